import { execa } from "execa";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost, type FakeHost, type FaultRule } from "../fakes/fake-host.js";
import { eventually } from "../support/processes.js";
import { testWorkloads } from "../support/test-workloads.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

type Step = { readonly label: string; readonly fault: FaultRule };
const pause = (command: string, extra: Partial<FaultRule> = {}): FaultRule => ({
  command,
  action: "delay",
  delayMs: 1_000,
  ...extra,
});

/** Every host step of a create, in order: the daemon dies while each one runs. */
const CREATE_STEPS: Step[] = [
  { label: "quota scan", fault: pause("zfs list", { match: "-p -r" }) },
  { label: "user dataset", fault: pause("zfs create", { nth: 1 }) },
  { label: "workspace dataset", fault: pause("zfs create", { nth: 2 }) },
  { label: "build", fault: pause("extra-container create") },
  { label: "install", fault: pause("extra-container create", { step: "install" }) },
  { label: "start", fault: pause("extra-container create", { step: "start" }) },
  { label: "verify", fault: pause("machinectl show") },
];

/** Every host step of a destroy. */
const DESTROY_STEPS: Step[] = [
  { label: "extra-container destroy", fault: pause("extra-container destroy") },
  { label: "workspace scan", fault: pause("zfs list", { match: "-p -r" }) },
  { label: "trash dataset", fault: pause("zfs create") },
  { label: "move to trash", fault: pause("zfs rename") },
];

/**
 * Runs a voxnix CLI verb and SIGKILLs it while `fault`'s step is in progress. With
 * `hostCommandToo`, the host command dies as well, as when systemd kills a crashed unit's cgroup;
 * otherwise it runs to its end, as a command outside the cgroup would.
 */
async function killDuring(
  env: Record<string, string>,
  args: string[],
  fault: FaultRule,
  host: FakeHost,
  hostCommandToo: boolean,
) {
  host.injectFault(fault);
  const before = host.calls().length;
  const child = execa(process.execPath, ["--import", import.meta.resolve("tsx"), MAIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: tempDir(),
  });
  const reached = await eventually(() => {
    const calls = host
      .commandLines()
      .slice(before)
      .filter((c) => c.startsWith(fault.command) && (!fault.match || c.includes(fault.match)));
    return calls.length >= (fault.nth ?? 1);
  }, 15_000);
  expect(reached).toBe(true);
  // Inside the paused step (the fault's delay), not before it.
  await new Promise((resolve) =>
    setTimeout(resolve, fault.step && fault.step !== "before" ? 400 : 200),
  );
  child.kill("SIGKILL");
  if (hostCommandToo) killFakeTools(host);
  await child;
  host.clearFaults();
  if (!hostCommandToo) await new Promise((resolve) => setTimeout(resolve, 1_500));
}

/** Kills every fake tool process of `host`: each runs `bash <host>/bin/<tool> …`. */
function killFakeTools(host: FakeHost) {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const [, script] = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (script?.startsWith(`${host.bin}/`)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone already, or not ours to read
    }
  }
}

async function consistentAfterRestart(host: FakeHost, stateDir: string) {
  const t = await testWorkloads({ reuse: { host, stateDir } });
  const report = await t.workloads.reconcile();
  expect(report.reported).toEqual([]);
  const rows = t.store.containers.listAll();
  for (const row of rows) expect(["running", "stopped"]).toContain(row.state);
  // Registry and host agree: every row is installed with a workspace, and nothing else is.
  expect(host.installed()).toEqual(rows.map((r) => r.name));
  expect(host.datasets().filter((d) => d.includes("/containers/"))).toEqual(
    rows.map((r) => `tank/users/${r.ownerId}/containers/${r.name}`),
  );
  const staged = existsSync(join(stateDir, "specs")) ? readdirSync(join(stateDir, "specs")) : [];
  expect(staged).toEqual(rows.map((r) => `${r.name}.json`));
  const trash = t.store.trash.listAll().map((e) => `tank/users/${e.ownerId}/trash/${e.id}`);
  expect(host.datasets().filter((d) => d.includes("/trash/"))).toEqual(trash);
  return { rows, trash };
}

const VARIANTS = [
  { variant: "the daemon", hostCommandToo: false },
  { variant: "the daemon and its host command", hostCommandToo: true },
];
const cases = (steps: Step[]) => steps.flatMap((step) => VARIANTS.map((v) => ({ ...step, ...v })));

describe("SIGKILL of", () => {
  it.each(cases(CREATE_STEPS))(
    "$variant during create ($label) leaves no orphan once restarted",
    async ({ fault, hostCommandToo }) => {
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      await killDuring(
        env,
        ["create", "dev", "--modules", "git", "--as", "1001"],
        fault,
        host,
        hostCommandToo,
      );
      await consistentAfterRestart(host, env.VOXNIX_STATE_DIR as string);
    },
  );

  it.each(cases(DESTROY_STEPS))(
    "$variant during destroy ($label) loses no workspace once restarted",
    async ({ fault, hostCommandToo }) => {
      const host = await createFakeHost();
      onTestFinished(() => host.cleanup());
      const env = fakeHostEnv(host);
      const created = await execa(
        process.execPath,
        ["--import", import.meta.resolve("tsx"), MAIN, "create", "dev", "--as", "1001"],
        { env, extendEnv: false, cwd: tempDir() },
      );
      expect(created.exitCode).toBe(0);
      await killDuring(env, ["destroy", "dev", "--yes"], fault, host, hostCommandToo);
      const { rows, trash } = await consistentAfterRestart(host, env.VOXNIX_STATE_DIR as string);
      // Either the destroy never really began (still there) or it finished with the workspace kept.
      if (rows.length === 0) expect(trash).toHaveLength(1);
      else expect(rows.map((r) => r.name)).toEqual(["dev"]);
    },
  );
});
