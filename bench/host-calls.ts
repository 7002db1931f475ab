import { spawn } from "node:child_process";
import { execa } from "execa";
import { createRunner } from "../src/host/run.js";
import { createLogger } from "../src/log.js";
import { percentile, round } from "./stats.js";

/** This process's CPU time so far, in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** `calls` runs of `call`, one after another: median wall time and CPU of this process per call. */
async function perCall(calls: number, call: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await call(); // compiled before it is measured
  const walls: number[] = [];
  const cpuBefore = cpuMs();
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    walls.push(performance.now() - started);
  }
  return { wall: percentile(walls, 50), cpu: (cpuMs() - cpuBefore) / calls };
}

/**
 * What a host command costs the daemon beyond the fork itself: the runner (src/host/run.ts) on
 * `sh -c 'echo ok'`, against Node's bare spawn of the same command and against execa, which the
 * runner used before. The process's own CPU per call is the figure: every host call the daemon
 * makes (two per /list, ~20 per create) pays it, in the process that also answers the chats.
 */
export async function benchHostCalls(calls = 300) {
  const argv = ["sh", "-c", "echo ok"] as const;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const runner = createRunner({ log: createLogger({ level: "warn" }), env });
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
  const row = (measure: string, pick: (m: typeof ours) => number, target = "") => ({
    measure,
    voxnix: `${round(pick(ours), 2)} ms`,
    baseline: `${round(pick(baseline), 2)} ms bare spawn; execa ${round(pick(viaExeca), 2)} ms`,
    ratio: round(pick(ours) / pick(baseline), 2),
    target,
  });
  return [
    row(`host call CPU in the daemon (${calls} calls)`, (m) => m.cpu, "≈ bare spawn"),
    row("host call wall p50", (m) => m.wall),
  ];
}
