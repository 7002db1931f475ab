import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { createRunner } from "../src/host/run.js";
import { createLogger } from "../src/log.js";
import { REPO_ROOT } from "./fixtures.js";
import { percentile, round } from "./stats.js";

/** This process's CPU time so far, in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The whole machine's busy CPU time so far, in ms (/proc/stat counts in 10 ms ticks). */
const machineMs = () => {
  const ticks = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user, nice, system, (idle, iowait), irq, softirq
  return [0, 1, 2, 5, 6].reduce((sum, i) => sum + (ticks[i] ?? 0), 0) * 10;
};

/** `calls` runs of `call`, one after another: median wall time, and CPU per call. */
async function perCall(calls: number, call: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await call(); // compiled before it is measured
  const walls: number[] = [];
  const cpuBefore = cpuMs();
  const machineBefore = machineMs();
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    walls.push(performance.now() - started);
  }
  return {
    wall: percentile(walls, 50),
    cpu: (cpuMs() - cpuBefore) / calls,
    machine: (machineMs() - machineBefore) / calls,
  };
}

/**
 * What a host command costs: the runner (src/host/run.ts) on `sh -c 'echo ok'`, starting it
 * through voxnix-spawn as the daemon does (src/host/spawn-helper.c, built by `npm run build`),
 * against Node's bare spawn of the same command, which forks this process, and execa, which the
 * runner used before. The process's own CPU per call is what every host call the daemon makes
 * (two per /list, ~20 per create) takes from the event loop that answers the chats; the
 * machine's is what it costs in all, the fork's copy of the page tables and its faults included.
 */
export async function benchHostCalls(calls = 300) {
  const argv = ["sh", "-c", "echo ok"] as const;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const helper = join(REPO_ROOT, "dist", "voxnix-spawn");
  const log = createLogger({ level: "warn" });
  const runner = createRunner({
    log,
    env,
    spawnHelper: existsSync(helper) ? helper : undefined,
  });
  const bare = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.resume();
      child.stderr.resume();
      child.once("error", reject).once("close", () => resolve());
    });
  const baseline = await perCall(calls, bare);
  const ours = await perCall(calls, () => runner.run(argv));
  const viaExeca = await perCall(calls, () =>
    execa(argv[0], argv.slice(1), { env, extendEnv: false, detached: true, stdin: "ignore" }),
  );
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const how = existsSync(helper) ? "through voxnix-spawn" : "forked (no voxnix-spawn built)";
  const row = (measure: string, pick: (m: typeof ours) => number, target = "") => ({
    measure,
    voxnix: `${round(pick(ours), 2)} ms`,
    baseline: `${round(pick(baseline), 2)} ms bare spawn; execa ${round(pick(viaExeca), 2)} ms`,
    ratio: round(pick(ours) / pick(baseline), 2),
    target,
  });
  return [
    row(
      `host call CPU in the daemon, ${how} (${calls} calls, ${rss} MB RSS)`,
      (m) => m.cpu,
      "≤ bare spawn",
    ),
    row("host call CPU, whole machine", (m) => m.machine, "≤ bare spawn"),
    row("host call wall p50", (m) => m.wall),
  ];
}
