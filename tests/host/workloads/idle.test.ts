// The idle policy (issue 14): a container nobody uses is stopped after a warning; CPU, workspace
// writes and a keep-alive process (an agent in tmux) count as use; pin exempts; the countdown
// lives in the store.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { noticePressData } from "../../../src/bot/keyboards.js";
import { alice, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";

const HOUR_MS = 3_600_000;

async function idleSetup(reuse?: TestWorkloads) {
  const clock = { now: Date.parse("2026-12-01T00:00:00Z") };
  const t = await testWorkloads({
    now: () => clock.now,
    ...(reuse ? { reuse: { host: reuse.host, stateDir: reuse.stateDir } } : {}),
  });
  const told = () =>
    t.store.notices
      .listAll()
      .filter((n) => n.userId === alice.userId)
      .map((n) => ({ text: n.text, buttons: n.buttons.map((b) => noticePressData(b.press)) }));
  const after = async (hours: number) => {
    clock.now += hours * HOUR_MS;
    return t.workloads.idlePass();
  };
  return { t, clock, told, after };
}

/** A process named `comm` in container `name`'s cgroup, as the host's /sys and /proc show it. */
function runIn(t: TestWorkloads, name: string, pid: number, comm: string) {
  const cgroup = join(
    t.host.root,
    "sys/fs/cgroup/machine.slice",
    `container@${name}.service`,
    "payload",
  );
  mkdirSync(cgroup, { recursive: true });
  writeFileSync(join(cgroup, "cgroup.procs"), `${pid}\n`);
  mkdirSync(join(t.host.root, "proc", String(pid)), { recursive: true });
  writeFileSync(join(t.host.root, "proc", String(pid), "comm"), `${comm}\n`);
}

describe("the idle policy", () => {
  it("warns a day ahead with Keep alive and Stop now, then stops the container, once each", async () => {
    const { t, told, after } = await idleSetup();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await after(0); // first look
    expect(await after(140)).toEqual([]);
    expect(await after(5)).toEqual(["dev: warned after 6d 1h idle"]);
    expect(await after(1)).toEqual([]);
    expect(told()).toEqual([
      {
        text: "💤 dev has not been used for 6d 1h; it will be stopped in 23h unless it is used or kept alive.",
        buttons: ["i:keep:dev", "i:stop:dev"],
      },
    ]);
    expect(await after(22)).toEqual(["dev: stopped after 7d idle"]);
    expect(t.host.machines()).toEqual([]);
    expect(t.store.containers.find("dev")?.state).toBe("stopped");
    expect(told().at(-1)?.text).toMatch(/^⏸ dev was stopped after 7d without use/);
    expect(t.store.audit.recent({ target: "dev" })[0]).toMatchObject({
      actor: "system",
      action: "stop",
      outcome: "ok",
    });
    // Started again by its owner: the countdown starts from then.
    await t.workloads.start(alice, { name: "dev" });
    expect(await after(100)).toEqual([]);
  });

  it("counts CPU time, workspace writes and a keep-alive process as use", async () => {
    const { t, after } = await idleSetup();
    for (const name of ["cpu", "disk", "agent", "idle"])
      await t.workloads.create(alice, { name, modules: [] });
    let cpuNs = 0;
    let bytes = 1_000_000;
    runIn(t, "agent", 4242, "tmux");
    const results: string[] = [];
    for (let day = 0; day < 8; day++) {
      cpuNs += 3_600e9; // an hour of CPU a day: far above idle
      bytes += 4096;
      t.host.setUnitUsage("container@cpu.service", { CPUUsageNSec: cpuNs });
      t.host.setUsed("tank/users/1001/containers/disk", bytes);
      results.push(...(await after(24)));
    }
    expect(results.filter((line) => line.includes("stopped"))).toEqual([
      "idle: stopped after 7d idle",
    ]);
    expect(t.host.machines().sort()).toEqual(["agent", "cpu", "disk"]);
  });

  it("never stops a pinned container, and Keep alive starts the countdown again", async () => {
    const { t, after } = await idleSetup();
    await t.workloads.create(alice, { name: "pinned", modules: [] });
    await t.workloads.create(alice, { name: "kept", modules: [] });
    t.workloads.pin(alice, { name: "pinned" }, true);
    await after(0);
    expect(await after(150)).toEqual(["kept: warned after 6d 6h idle"]);
    t.workloads.keepAlive(alice, { name: "kept" });
    expect(await after(150)).toEqual(["kept: warned after 6d 6h idle"]);
    expect(t.host.machines().sort()).toEqual(["kept", "pinned"]);
    expect(() => t.workloads.keepAlive({ ...alice, userId: 2002 }, { name: "kept" })).toThrow(
      /no container named "kept"/,
    );
  });

  it("keeps the countdown across a restart of the daemon", async () => {
    const first = await idleSetup();
    await first.t.workloads.create(alice, { name: "dev", modules: [] });
    await first.after(0);
    await first.after(150);
    const again = await idleSetup(first.t);
    again.clock.now = first.clock.now + 20 * HOUR_MS;
    expect(await again.t.workloads.idlePass()).toEqual(["dev: stopped after 7d 2h idle"]);
  });

  it("moves a long-stopped container to the trash after a warning with Keep, with an Undo", async () => {
    const { t, told, after } = await idleSetup();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(alice, { name: "kept", modules: [] });
    await t.workloads.stop(alice, { name: "dev" });
    await t.workloads.stop(alice, { name: "kept" });
    expect(await after(13 * 24 + 2)).toEqual([
      "dev: warned (it was stopped for 13d 1h)",
      "kept: warned (it was stopped for 13d 1h)",
    ]);
    expect(told().map((n) => n.buttons)).toEqual([["i:keep:dev"], ["i:keep:kept"]]);
    t.workloads.keepAlive(alice, { name: "kept" });
    expect(await after(1)).toEqual([]);
    const [done] = await after(22);
    expect(done).toBe("dev: trashed (it was stopped for 14d)");
    const [entry] = t.store.trash.listAll();
    expect(entry?.containerName).toBe("dev");
    expect(told().at(-1)).toEqual({
      text: `🗑 dev was stopped for 14d, so it went to your trash as ${entry?.id} for 7 days. Undo brings it back as it was.`,
      buttons: [`r:${entry?.id}`],
    });
    expect(t.host.installed()).toEqual(["kept"]);
    // The Undo's restore: the same name, the same workspace.
    await t.workloads.restore(alice, { id: entry?.id as string });
    expect(t.host.installed().sort()).toEqual(["dev", "kept"]);
  });

  it("ends a lifetime asked for at create in the trash, warned before; Keep makes it permanent", async () => {
    const { t, told, after } = await idleSetup();
    const DAY = 24 * HOUR_MS;
    await t.workloads.create(alice, { name: "scratch", modules: [], ttlMs: 3 * DAY });
    await t.workloads.create(alice, { name: "kept", modules: [], ttlMs: 3 * DAY });
    await expect(
      t.workloads.create(alice, { name: "short", modules: [], ttlMs: 60_000 }),
    ).rejects.toMatchObject({ reason: "invalid-input" });
    // Busy all along (a process of an agent): the lifetime ends it all the same.
    runIn(t, "scratch", 4343, "claude");
    expect(await after(49)).toEqual([
      "kept: warned (it reached the end of the lifetime it was made with)",
      "scratch: warned (it reached the end of the lifetime it was made with)",
    ]);
    expect(told().map((n) => n.buttons)).toEqual([["i:keep:kept"], ["i:keep:scratch"]]);
    t.workloads.keepAlive(alice, { name: "kept" });
    expect(await after(23)).toEqual([
      "scratch: trashed (it reached the end of the lifetime it was made with)",
    ]);
    expect(t.host.installed()).toEqual(["kept"]);
    expect(t.store.trash.listAll().map((e) => e.containerName)).toEqual(["scratch"]);
  });
});
