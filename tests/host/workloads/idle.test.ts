// The idle policy (issue 14): a container nobody uses is stopped after a warning; CPU, workspace
// writes and a keep-alive process (an agent in tmux) count as use; pin exempts; the countdown
// lives in the store.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * A process named `comm` in container `name`'s cgroup, as the host's /sys and /proc show it;
 * `tty` is its controlling terminal's device number (0: none), as /proc/PID/stat gives it.
 */
function runIn(t: TestWorkloads, name: string, pid: number, comm: string, tty = 0) {
  const cgroup = join(
    t.host.root,
    "sys/fs/cgroup/machine.slice",
    `container@${name}.service`,
    "payload",
  );
  mkdirSync(cgroup, { recursive: true });
  const procs = join(cgroup, "cgroup.procs");
  writeFileSync(procs, `${existsSync(procs) ? readFileSync(procs, "utf8") : ""}${pid}\n`);
  mkdirSync(join(t.host.root, "proc", String(pid)), { recursive: true });
  writeFileSync(
    join(t.host.root, "proc", String(pid), "stat"),
    `${pid} (${comm}) S 1 ${pid} ${pid} ${tty} -1 4194560 1052 0 0 0 3 1 0 0 20 0 1 0 42 9318400 812 18446744073709551615\n`,
  );
}

/** Ends the processes runIn put in container `name`. */
function endAll(t: TestWorkloads, name: string) {
  rmSync(join(t.host.root, "sys/fs/cgroup/machine.slice", `container@${name}.service`), {
    recursive: true,
    force: true,
  });
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

  it("warns once when two passes run at once (the daemon's and voxnix idle)", async () => {
    const first = await idleSetup();
    await first.t.workloads.create(alice, { name: "dev", modules: [] });
    await first.after(0);
    const second = await idleSetup(first.t);
    first.clock.now += 145 * HOUR_MS;
    second.clock.now = first.clock.now;
    // Both read the countdown before either records a warning: each asks the host first.
    const [a, b] = await Promise.all([first.t.workloads.idlePass(), second.t.workloads.idlePass()]);
    expect([...a, ...b]).toEqual(["dev: warned after 6d 1h idle"]);
    expect(first.told()).toHaveLength(1);
  });

  it("does not stop a container whose Keep alive was pressed while the pass asked the host", async () => {
    const { t, after } = await idleSetup();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await after(0);
    await after(145); // warned
    // The press lands while the pass waits on the host, after it read the countdown.
    const mark = t.host.commandLines("systemctl").length;
    t.host.injectFault({ command: "systemctl show", action: "gate", gate: "look" });
    const pass = after(23);
    await expect.poll(() => t.host.commandLines("systemctl").length > mark).toBe(true);
    t.store.activity.active("dev");
    t.host.openGate("look");
    expect(await pass).toEqual([]);
    expect(t.host.machines()).toEqual(["dev"]);
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

  it("counts a session (a shell on a terminal, an SSH connection) as use, not a getty on the console", async () => {
    const { t, after } = await idleSetup();
    for (const name of ["shell", "ssh", "console"])
      await t.workloads.create(alice, { name, modules: [] });
    // bash on /dev/pts/0 (major 136): someone logged in over (Tailscale) SSH or machinectl shell.
    runIn(t, "shell", 5001, "bash", 136 << 8);
    // OpenSSH 9.8's per-connection process: `git push` over SSH has no terminal.
    runIn(t, "ssh", 5002, "sshd-session");
    // A getty waits on the container's console all the time: nobody is there.
    runIn(t, "console", 5003, "agetty", 136 << 8);
    // A process whose name holds spaces and parentheses is read to its last ")".
    runIn(t, "console", 5004, "a) (b", 0);
    await after(0);
    expect(await after(7 * 24)).toEqual(["console: stopped after 7d idle"]);
    // The session ends: the countdown runs from the last pass that saw it.
    endAll(t, "shell");
    await after(1);
    expect(await after(7 * 24)).toEqual(["shell: stopped after 7d 1h idle"]);
  });

  it("stops a container after its own idle period, or never, and back to the host's", async () => {
    const { t, told, after } = await idleSetup();
    for (const name of ["short", "never", "back"])
      await t.workloads.create(alice, { name, modules: [] });
    expect(t.workloads.setIdlePeriod(alice, { name: "short" }, 12 * HOUR_MS)).toMatchObject({
      stopMs: 12 * HOUR_MS,
      own: true,
    });
    t.workloads.setIdlePeriod(alice, { name: "never" }, 0);
    t.workloads.setIdlePeriod(alice, { name: "back" }, 2 * HOUR_MS);
    t.workloads.setIdlePeriod(alice, { name: "back" }, undefined);
    // Out of range, or not theirs: refused, and nothing changes.
    for (const ms of [60_000, 400 * 24 * HOUR_MS])
      expect(() => t.workloads.setIdlePeriod(alice, { name: "short" }, ms)).toThrow(
        /between 1h and 365d, or never/,
      );
    expect(() =>
      t.workloads.setIdlePeriod({ ...alice, userId: 2002 }, { name: "short" }, 0),
    ).toThrow(/no container named "short"/);
    expect(t.workloads.idlePolicy(alice, { name: "short" }).stopMs).toBe(12 * HOUR_MS);
    await after(0);
    // The warning comes half the period ahead when the host's warning time (24h) is longer.
    expect(await after(6)).toEqual(["short: warned after 6h idle"]);
    expect(told().at(-1)?.text).toBe(
      "💤 short has not been used for 6h; it will be stopped in 6h unless it is used or kept alive.",
    );
    expect(await after(6)).toEqual(["short: stopped after 12h idle"]);
    expect(await after(7 * 24)).toEqual(["back: stopped after 7d 12h idle"]);
    expect(t.host.machines()).toEqual(["never"]);
    expect(t.workloads.idlePolicy(alice, { name: "never" })).toMatchObject({
      stopMs: 0,
      own: true,
      pinned: false,
    });
    expect(
      t.store.audit.recent({ target: "short" }).filter((e) => e.action === "idle-period"),
    ).toHaveLength(1);
  });

  it("tells the owner once per window that systemd keeps restarting a container", async () => {
    const { t, told, after } = await idleSetup();
    await t.workloads.create(alice, { name: "loop", modules: [] });
    await t.workloads.create(alice, { name: "rebooted", modules: [] });
    const restarts = (name: string, n: number) =>
      t.host.setUnitUsage(`container@${name}.service`, { NRestarts: n });
    await after(0);
    // A reboot from inside is one restart: not a loop.
    restarts("rebooted", 1);
    restarts("loop", 2);
    expect(await after(0.1)).toEqual([]);
    restarts("loop", 4);
    expect(await after(0.1)).toEqual(["loop: restart-looping (4 restarts)"]);
    restarts("loop", 9);
    expect(await after(0.1)).toEqual([]); // told already in this window
    expect(told().filter((n) => n.text.startsWith("🔁"))).toEqual([
      {
        text: "🔁 loop keeps failing: systemd restarted it 4 times in the last 12m. /logs loop shows why; /down loop stops the loop.",
        buttons: [],
      },
    ]);
    // The next window, still looping: told again.
    expect(await after(1)).toEqual([]);
    restarts("loop", 12);
    expect(await after(0.1)).toEqual(["loop: restart-looping (3 restarts)"]);
    // Started by hand, systemd counts from 0 again: no loop from the drop.
    await t.workloads.restart(alice, { name: "loop" });
    expect(await after(0.1)).toEqual([]);
    expect(told().filter((n) => n.text.startsWith("🔁"))).toHaveLength(2);
  });
});
