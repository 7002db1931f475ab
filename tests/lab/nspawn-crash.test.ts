// A crash of systemd-nspawn itself (SIGKILL of container@NAME.service's main process), on the
// lab's real systemd, nspawn and machined 257. Unlike a crash of the container's init, which
// nspawn outlives and cleans up after (tests/lab/containers.test.ts), a killed nspawn leaves two
// things behind that its exit path would have removed (nspawn.c, run() in v256/v257):
// - machined's record of machine NAME: nspawn tells machined it is gone (UnregisterMachine)
//   only when it exits. machined drops a machine by itself once its unit is inactive or failed
//   (machine_may_gc, manager_unit_is_active: any other ActiveState keeps it), and during
//   Restart= the unit is `activating` (auto-restart): each restart's nspawn is refused with
//   "Machine 'NAME' already exists" (machined-dbus.c). The template's pre-start
//   `machinectl terminate NAME` cannot help: machined answers it by stopping the unit, which
//   PID 1 refuses while the restart's start job is queued ("… is destructive").
// - the mount of /run/systemd/nspawn/unix-export/NAME, which nspawn finds still mounted and
//   refuses ("Mount point … exists already, refusing.", setup_unix_export_dir_outside()). That
//   refused nspawn's own exit path then removes it, so only the first restart fails on it.
// So without help the unit fails at its start limit and the container stays down. voxnix's
// drop-in (src/host/container-files.ts) removes both in ExecStopPost when machined's record
// is this unit's own, whose processes are all gone by then.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerExec } from "../../src/host/container-exec.js";
import { containerDropIn, type ContainerInstall } from "../../src/host/container-files.js";
import {
  bootLab,
  cannotRunLab,
  labContainer,
  labInstaller,
  STORE,
  unitShow,
  until,
  type Lab,
} from "../support/lab.js";

const cannot = cannotRunLab();
const UNIT = "container@work.service";
const DROP_IN = `/etc/systemd-mutable/system/${UNIT}.d/voxnix.conf`;
/** PID 1's line when something stops the mount's unit (nspawn unmounts it without one). */
const UNMOUNTING = "Unmounting run-systemd-nspawn-unix\\x2dexport-work.mount";
/** Where the probe below writes what each start of the unit finds. */
const PROBE = "/run/crash-probe";

describe.skipIf(cannot)(`a crash of nspawn itself (lab: ${cannot ?? "runs"})`, () => {
  let lab: Lab;
  let container: ContainerInstall;
  beforeAll(async () => {
    lab = await bootLab("nspawn-crash");
    container = labContainer(lab, "work", 1);
    await labInstaller(lab).install(container);
    // The lab's own probe, not voxnix's: run after the template's pre-start (and its
    // `machinectl terminate`), it notes for each start whether the unix-export directory is
    // still mounted (1) or not (0), and the leader machined has for the name (empty: none).
    const mounted = 'grep -c " /run/systemd/nspawn/unix-export/%i " /proc/self/mountinfo';
    const leader = "machinectl show %i --property=Leader --value 2>/dev/null";
    // And a start-limit window of 5 starts in 10 min rather than systemd's 10 s: a failing
    // restart takes ~0.5 s here, but on a loaded machine five could take longer than 10 s, and
    // the unit would then restart for good rather than fail. The count (5) is systemd's.
    writeFileSync(
      lab.path(`/etc/systemd-mutable/system/${UNIT}.d/probe.conf`),
      `[Unit]\nStartLimitIntervalSec=10min\n` +
        `[Service]\nExecStartPre=-/bin/sh -c 'echo "$$(${mounted}) $$(${leader})" >> ${PROBE}'\n`,
    );
    await lab.run(["systemctl", "daemon-reload"]);
  }, 180_000);
  afterAll(async () => {
    await lab?.dispose();
  }, 120_000);

  const now = async () => (await lab.run(["date", "+%s.%N"])).stdout.trim();
  const journalSince = async (since: string) =>
    (await lab.run(["journalctl", "--since", `@${since}`, "--no-pager", "-o", "cat"])).stdout;
  const probes = async () =>
    (await lab.run(["cat", PROBE], { allowFailure: true })).stdout
      .split("\n")
      .filter((line) => line !== "");
  const leaderOf = async () =>
    (await lab.run(["machinectl", "show", "work", "--property=Leader", "--value"])).stdout.trim();
  const exportMounted = async () =>
    (await lab.run(["cat", "/proc/self/mountinfo"])).stdout.includes(
      " /run/systemd/nspawn/unix-export/work ",
    );
  /** Starts the unit afresh (its start limit and restart count reset) and waits for it. */
  const start = async () => {
    await lab.run(["systemctl", "reset-failed", UNIT], { allowFailure: true });
    await lab.run(["rm", "-f", PROBE]);
    await lab.run(["systemctl", "start", UNIT], { timeoutMs: 90_000 });
    expect(await probes()).toEqual(["0 "]);
    expect(await exportMounted()).toBe(true);
  };
  /** SIGKILLs the unit's main process, nspawn (the template's start script execs it). */
  const killNspawn = async () => {
    const { MainPID: nspawn } = await unitShow(lab, UNIT, ["MainPID"]);
    expect((await lab.run(["cat", `/proc/${nspawn}/comm`])).stdout).toBe("systemd-nspawn\n");
    const leader = await leaderOf();
    const since = await now();
    await lab.run(["sh", "-c", `kill -KILL ${nspawn}`]);
    return { nspawn, leader, since };
  };

  it("without the drop-in's clean-up, Restart= cannot bring it back: the unit fails at its start limit", async () => {
    // voxnix's drop-in as it was before the fix, read by systemd before the start.
    const current = containerDropIn(container);
    writeFileSync(
      lab.path(DROP_IN),
      current
        .split("\n")
        .filter((line) => !line.startsWith("ExecStopPost="))
        .join("\n"),
    );
    await lab.run(["systemctl", "daemon-reload"]);
    await start();
    const crash = await killNspawn();

    // Each restart fails at once; five starts within the start-limit window fail the unit.
    await expect
      .poll(async () => (await unitShow(lab, UNIT, ["ActiveState"])).ActiveState, {
        timeout: 90_000,
        interval: 250,
      })
      .toBe("failed");
    const failed = await unitShow(lab, UNIT, ["Result", "NRestarts"]);
    expect(failed.Result).toBe("exit-code");
    expect(Number(failed.NRestarts)).toBeGreaterThanOrEqual(2);
    // What each restart found: the first, the mount and machined's record of the dead leader;
    // the later ones, the record alone (the first one's refused nspawn removed the mount).
    const [initial, first, ...later] = await probes();
    expect(initial).toBe("0 ");
    expect(first).toBe(`1 ${crash.leader}`);
    expect(later.length).toBeGreaterThanOrEqual(1);
    for (const probe of later) expect(probe).toBe(`0 ${crash.leader}`);
    expect(
      (await lab.run(["sh", "-c", `kill -0 ${crash.leader}`], { allowFailure: true })).exitCode,
    ).not.toBe(0);

    // Once the unit has failed, machined lets the record go by itself: nothing is left over.
    expect(
      await until(
        async () => (await journalSince(crash.since)).includes("Machine work terminated."),
        30_000,
      ),
    ).toBe(true);
    const journal = await journalSince(crash.since);
    expect(journal).toContain(`${UNIT}: Main process exited, code=killed, status=9/KILL`);
    // The template's pre-start `machinectl terminate`: machined stops the machine's unit, and
    // PID 1 refuses while the restart's start job is queued.
    expect(journal).toContain(
      `Failed to stop machine scope: Transaction for ${UNIT}/stop is destructive`,
    );
    // nspawn's stderr reaches the journal through a stream that an nspawn failing at once can
    // outrun (tests/lab/device-policy.test.ts): one of the refused starts is enough.
    expect(journal).toContain("Failed to register machine: Machine 'work' already exists");
    expect(journal).toContain(`${UNIT}: Start request repeated too quickly.`);
    expect(journal.indexOf("Machine work terminated.")).toBeGreaterThan(
      journal.indexOf("Start request repeated too quickly."),
    );
    const machines = await lab.run(["machinectl", "list", "--output=json", "--no-pager"]);
    expect(JSON.parse(machines.stdout)).toEqual([]);
    expect(await exportMounted()).toBe(false);
  }, 180_000);

  it("with it, Restart= brings the container back at its first restart, a running one too once given the drop-in", async () => {
    // Started with the drop-in of before the fix; the one this voxnix writes then replaces it
    // with a daemon-reload, as reconcile's host-files pass does (src/host/container-install.ts).
    await start();
    writeFileSync(lab.path(DROP_IN), containerDropIn(container));
    await lab.run(["systemctl", "daemon-reload"]);
    const crash = await killNspawn();

    // Running under a new nspawn, or failed: whichever comes first ends the wait.
    let state: Record<string, string> = {};
    await until(async () => {
      state = await unitShow(lab, UNIT, ["ActiveState", "SubState", "MainPID", "NRestarts"]);
      return (
        (state.SubState === "running" && state.MainPID !== crash.nspawn) ||
        state.ActiveState === "failed"
      );
    }, 90_000);
    expect(state, await journalSince(crash.since)).toMatchObject({
      ActiveState: "active",
      SubState: "running",
    });
    expect(state.NRestarts).toBe("1");
    // Its one restart found nothing left over: the clean-up ran when the crash stopped the unit,
    // machined dropped the record at once and PID 1 unmounted the directory (its own lines).
    expect(await probes()).toEqual(["0 ", "0 "]);
    const journal = await journalSince(crash.since);
    expect(journal).toContain(`${UNIT}: Main process exited, code=killed, status=9/KILL`);
    expect(journal).toContain("Machine work terminated.");
    expect(journal.indexOf("Machine work terminated.")).toBeLessThan(
      journal.indexOf("restart counter is at 1"),
    );
    expect(journal).toContain(UNMOUNTING);
    expect(journal).not.toContain("Machine 'work' already exists");
    expect(await leaderOf()).not.toBe(crash.leader);
    expect(await exportMounted()).toBe(true);
    const inside = await containerExec(lab.runner).run("work", [
      `${STORE.tenantSystem}/sw/bin/cat`,
      "/proc/1/comm",
    ]);
    expect(inside.stdout).toBe("systemd\n");

    // A clean stop: nspawn unregisters and unmounts on its way out, and the clean-up finds no
    // record of this unit's to act on.
    const since = await now();
    await lab.run(["systemctl", "stop", UNIT], { timeoutMs: 90_000 });
    expect(await unitShow(lab, UNIT, ["ActiveState", "Result"])).toEqual({
      ActiveState: "inactive",
      Result: "success",
    });
    expect(
      await until(async () => (await journalSince(since)).includes(`Stopped ${UNIT}`), 30_000),
    ).toBe(true);
    expect(await journalSince(since)).not.toContain(UNMOUNTING);
    expect(await exportMounted()).toBe(false);
  }, 180_000);
});
