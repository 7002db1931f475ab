import { spawn } from "node:child_process";
import { describe, expect, it, onTestFinished } from "vitest";
import { identityOf, type ProcessIdentity } from "../../../src/process-identity.js";
import { eventually, isRunning } from "../../support/processes.js";
import { alice, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";

/** Another real process, to hold a lease as the admin CLI or a second daemon would. */
async function otherProcess() {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  onTestFinished(() => void child.kill("SIGKILL"));
  const pid = child.pid as number;
  await eventually(() => identityOf(pid) !== undefined);
  return {
    identity: identityOf(pid) as ProcessIdentity,
    async end() {
      child.kill("SIGKILL");
      expect(await eventually(() => !isRunning(pid), 10_000)).toBe(true);
    },
  };
}

const leaseBy = (t: TestWorkloads, kind: "stop" | "create", holder: ProcessIdentity) =>
  t.store.operations.begin({
    id: `op-${kind}`,
    kind,
    container: "dev",
    ownerId: alice.userId,
    actor: "cli:1",
    holder,
  });

describe("operation leases", () => {
  it("refuse a container that another live process holds, and reconcile leaves it alone", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const other = await otherProcess();
    expect(leaseBy(t, "stop", other.identity).ok).toBe(true);

    await expect(t.workloads.start(alice, { name: "dev" })).rejects.toMatchObject({
      reason: "busy",
      userMessage: '"dev" is being stopped by another request; try again when it finishes.',
    });
    const before = t.host.calls().length;
    const report = await t.workloads.reconcile();
    expect(report.inProgress).toEqual([
      expect.stringMatching(
        new RegExp(`^dev: stop in progress \\(cli:1, pid ${other.identity.pid}, for \\d+ s\\)$`),
      ),
    ]);
    expect(report.repaired).toEqual([]);
    expect(t.store.operations.listAll()).toHaveLength(1);
    // Reconcile only looked: no host command changed anything about dev.
    expect(
      t.host
        .commandLines()
        .slice(before)
        .filter((c) => /start|stop|destroy|rename/.test(c)),
    ).toEqual([]);
  });

  it("repair an operation once its holder is gone, and refuse until then with what happened", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const other = await otherProcess();
    leaseBy(t, "stop", other.identity);
    await other.end();

    await expect(t.workloads.stop(alice, { name: "dev" })).rejects.toMatchObject({
      reason: "busy",
      details: { interrupted: true },
    });
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual(["dev: stop was interrupted; it is running"]);
    expect(t.store.operations.listAll()).toEqual([]);
    expect(await t.workloads.stop(alice, { name: "dev" })).toEqual({
      name: "dev",
      state: "stopped",
    });
  });

  it("count a holder from an earlier boot as gone, even with a live pid", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const other = await otherProcess();
    leaseBy(t, "stop", { ...other.identity, bootId: "an-earlier-boot" });
    expect((await t.workloads.reconcile()).repaired).toEqual([
      "dev: stop was interrupted; it is running",
    ]);
  });

  it("let only one of two concurrent reconciles repair an interrupted create", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const second = await testWorkloads({ reuse: { host: t.host, stateDir: t.stateDir } });
    // As a create whose process died after install, before it recorded the outcome.
    t.store.containers.setState("dev", "creating");
    const other = await otherProcess();
    leaseBy(t, "create", other.identity);
    await other.end();
    const reports = await Promise.all([t.workloads.reconcile(), second.workloads.reconcile()]);
    const repairs = reports
      .flatMap((r) => r.repaired)
      .filter((line) => line.startsWith("dev: create"));
    expect(repairs).toEqual(["dev: create was interrupted after install; kept as running"]);
    expect(
      t.store.audit.recent({ target: "dev" }).filter((e) => e.action === "reconcile"),
    ).toHaveLength(1);
    expect(t.store.operations.listAll()).toEqual([]);
  });
});
