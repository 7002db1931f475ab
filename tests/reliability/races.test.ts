// The races of issue 10, each between real processes on one state directory: the daemon (in this
// process, over the Bot API emulator) and the admin CLI (its own process), or two daemons in turn.
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { openStore } from "../../src/store/index.js";
import { startBotApiServer } from "../fakes/bot-api-server.js";
import { createFakeHost, type FakeHost } from "../fakes/fake-host.js";
import { ADMIN, ALICE, BOB, startBotHarness, texts } from "../support/bot-harness.js";
import { consistentAfterRestart } from "../support/crash.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnix } from "../support/voxnix-process.js";

/** Holds every build at a gate; resolves once one has reached it. */
async function holdBuilds(host: FakeHost) {
  host.injectFault({ command: "nix-build", action: "gate", gate: "build" });
  await expect
    .poll(() => host.commandLines("nix-build").length > 0, {
      timeout: 20_000,
    })
    .toBe(true);
}

const auditOf = (stateDir: string, target: string) => {
  const store = openStore(join(stateDir, "voxnix.sqlite"));
  try {
    return store.audit.recent({ target }).map((e) => `${e.action} ${e.outcome}`);
  } finally {
    store.close();
  }
};

describe("operations racing across processes", () => {
  it("CLI doctor during a bot create reports it in progress and touches nothing", async () => {
    const h = await startBotHarness();
    h.api.sendText(ALICE, "/new dev git");
    await holdBuilds(h.host);

    const doctor = await voxnix(["doctor"], { env: h.env });
    expect(doctor.stdout).toMatch(/^in progress: dev: create in progress \(tg:1001, pid \d+/m);
    expect(doctor.stdout).not.toContain("repaired");
    expect(doctor.exitCode).toBe(0);
    expect(h.host.datasets()).toContain("tank/users/1001/containers/dev");

    h.host.openGate("build");
    await h.api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"));
    h.api.sendText(ALICE, "/list");
    await h.api.waitFor(
      ALICE,
      (m) => m.text.startsWith("Your containers") && m.text.includes("dev"),
    );
    h.api.sendText(BOB, "/new dev fish");
    await h.api.waitFor(BOB, (m) => m.text.includes('The name "dev" is taken'));
    expect(auditOf(h.env.VOXNIX_STATE_DIR as string, "dev")).not.toContain("reconcile ok");
    await h.daemon.stop(5_000);
    await consistentAfterRestart(h.host, h.env.VOXNIX_STATE_DIR as string);
  });

  it("a daemon starting during a CLI create leaves the create to finish", async () => {
    const [api, host] = await Promise.all([startBotApiServer(), createFakeHost()]);
    onTestFinished(async () => {
      await Promise.all([api.close(), host.cleanup()]);
    });
    const stateDir = tempDir("voxnix-state-");
    const cli = voxnix(["create", "dev", "--modules", "git", "--as", String(ALICE)], {
      env: fakeHostEnv(host, { VOXNIX_STATE_DIR: stateDir }),
    });
    await holdBuilds(host);

    const h = await startBotHarness({ reuse: { api, host, stateDir } });
    const leftAlone = h.logs.lines().filter((l) => l.includes("left to its holder"));
    expect(leftAlone.join("\n")).toMatch(/dev: create in progress \(cli:1/);
    expect(h.logs.lines().filter((l) => l.includes('"reconciled"'))).toEqual([]);

    host.openGate("build");
    expect(await cli).toMatchObject({ exitCode: 0 });
    h.api.sendText(ALICE, "/list");
    await h.api.waitFor(ALICE, (m) => m.text.includes("dev running"));
    await h.daemon.stop(5_000);
    await consistentAfterRestart(host, stateDir);
  });

  it("bot /doctor during a build answers before the build ends and audits no repair", async () => {
    const h = await startBotHarness();
    h.api.sendText(ALICE, "/new dev git");
    await holdBuilds(h.host);

    h.api.sendText(ADMIN, "/doctor");
    const report = await h.api.waitFor(ADMIN, (m) => m.text.startsWith("Doctor"));
    expect(report.text).toMatch(/⏳ dev: create in progress \(tg:1001/);
    expect(report.text).not.toContain("🔧");
    // Answered while the build was still held: nothing was installed yet.
    expect(h.host.installed()).toEqual([]);
    expect(auditOf(h.env.VOXNIX_STATE_DIR as string, "dev")).toEqual([]);

    h.host.openGate("build");
    await h.api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"));
    expect(auditOf(h.env.VOXNIX_STATE_DIR as string, "dev")).toEqual(["create ok"]);
    await h.daemon.stop(5_000);
    await consistentAfterRestart(h.host, h.env.VOXNIX_STATE_DIR as string);
  });

  it("CLI destroy during a bot create is refused, and the create completes", async () => {
    const h = await startBotHarness();
    h.api.sendText(ALICE, "/new dev git");
    await holdBuilds(h.host);

    const destroy = await voxnix(["destroy", "dev", "--yes"], { env: h.env });
    expect(destroy.exitCode).toBe(75); // EX_TEMPFAIL: the same command can succeed later
    expect(destroy.stderr).toContain(
      '"dev" is being created by another request; try again when it finishes.',
    );
    h.host.openGate("build");
    await h.api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"));
    expect(h.host.installed()).toEqual(["dev"]);
    await h.daemon.stop(5_000);
    const { rows, trash } = await consistentAfterRestart(h.host, h.env.VOXNIX_STATE_DIR as string);
    expect(rows.map((r) => [r.name, r.ownerId, r.state])).toEqual([["dev", ALICE, "running"]]);
    expect(trash).toEqual([]);
  });

  it("a destroy that cannot finish leaves the daemon serving and tells the admins once", async () => {
    const first = await startBotHarness();
    const { api, host } = first;
    const stateDir = first.env.VOXNIX_STATE_DIR as string;
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"));
    host.injectFault({
      command: "zfs rename",
      action: "fail",
      stderr: "cannot rename 'tank/users/1001/containers/dev': dataset is busy\n",
    });
    api.sendText(ALICE, "/destroy dev");
    const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
    api.pressButton(ALICE, card, card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data ?? "");
    await expect
      .poll(() => api.calls("answerCallbackQuery").map((c) => String(c.params.text)), {
        timeout: 10_000,
      })
      .toContainEqual(expect.stringContaining("could not finish that step"));
    await first.daemon.stop(5_000);

    // A deploy: the next daemon starts on the same state while the host still refuses.
    const second = await startBotHarness({ reuse: { api, host, stateDir } });
    api.sendText(BOB, "/list");
    await api.waitFor(BOB, (m) => m.text.startsWith("No containers yet"));
    const alerts = () => texts(api, ADMIN).filter((t) => t.startsWith("⚠️ Host maintenance"));
    expect(alerts()).toEqual([
      expect.stringContaining("dev: could not finish the interrupted destroy: zfs rename"),
    ]);
    // It stays abandoned while the host refuses; once the host lets go, reconcile finishes it.
    const again = await second.daemon.runtime.workloads.reconcile();
    expect(again.failed).toHaveLength(1);
    host.clearFaults();
    const healed = await second.daemon.runtime.workloads.reconcile();
    expect(healed.repaired).toEqual([
      expect.stringMatching(/^dev: destroy was interrupted; finished \(workspace in trash as dev-/),
    ]);
    expect(alerts()).toHaveLength(1);
    await second.daemon.stop(5_000);
    const { rows, trash } = await consistentAfterRestart(host, stateDir);
    expect(rows).toEqual([]);
    expect(trash).toHaveLength(1);
  });
});
