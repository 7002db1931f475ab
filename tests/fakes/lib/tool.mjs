// The frame every fake tool runs in: records the call, exposes failure-injection checkpoints,
// and turns a thrown ToolExit into the exit code and output the real tool would give.
//
// Failure injection (faults.json, an array of rules):
//   { "command": "zfs create",        // tool and verb; "journalctl" for verb-less tools
//     "step": "before",               // checkpoint inside the command (default "before");
//                                     //   extra-container create also has "install" and "start"
//     "match": "tank/users/1001",     // optional: only calls whose args contain this text
//     "nth": 2,                       // optional: only the nth matching call (1-based); else every
//     "action": "fail" | "hang" | "malformed" | "delay",
//     "exitCode": 1, "stdout": "…", "stderr": "…",   // for fail / malformed
//     "delayMs": 500,                 // for delay
//     "spawnChild": true }            // for hang: leave a grandchild running too
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { paths, readFaults, recordCall, updateState } from "./state.mjs";

export class ToolExit extends Error {
  constructor(code, { stdout = "", stderr = "" } = {}) {
    super(`exit ${code}`);
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** Throws the failure a real tool reports: a message on stderr and a non-zero exit. */
export const die = (stderr, code = 1, stdout = "") => {
  throw new ToolExit(code, { stdout, stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n` });
};

export const out = (text) => process.stdout.write(text);
export const err = (text) => process.stderr.write(text);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function verbOf(args) {
  return args.find((arg) => !arg.startsWith("-"));
}

/**
 * Creates the checkpoint function of one invocation. `checkpoint(step)` applies the injected
 * faults that target this command at this step.
 */
export function checkpoints(tool, args, verb = verbOf(args)) {
  const command = verb === undefined ? tool : `${tool} ${verb}`;
  const joined = args.join(" ");
  return async function checkpoint(step = "before") {
    const rules = readFaults();
    const candidates = rules
      .map((rule, index) => ({ rule, index }))
      .filter(
        ({ rule }) =>
          rule.command === command &&
          (rule.step ?? "before") === step &&
          (rule.match === undefined || joined.includes(rule.match)),
      );
    if (candidates.length === 0) return;
    const firing = updateState((state) =>
      candidates.filter(({ rule, index }) => {
        const seen = (state.counters[index] ?? 0) + 1;
        state.counters[index] = seen;
        return rule.nth === undefined || rule.nth === seen;
      }),
    );
    for (const { rule } of firing) await apply(rule, command, step);
  };
}

async function apply(rule, command, step) {
  switch (rule.action) {
    case "delay":
      await sleep(rule.delayMs ?? 0);
      return;
    case "malformed":
      throw new ToolExit(rule.exitCode ?? 0, {
        stdout: rule.stdout ?? "{ this is not what you expected\n",
        stderr: rule.stderr ?? "",
      });
    case "hang": {
      if (rule.spawnChild) {
        // Same process group as this tool: the runner must kill the group, not just us.
        const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)"], {
          stdio: "ignore",
        });
        const dir = paths().pids;
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, String(child.pid)), command);
      }
      await new Promise(() => setInterval(() => {}, 1e9));
      return;
    }
    case "fail":
    default:
      throw new ToolExit(rule.exitCode ?? 1, {
        stdout: rule.stdout ?? "",
        stderr: rule.stderr ?? `${command}: injected failure at ${step}\n`,
      });
  }
}

/** Runs one fake tool invocation to completion and exits like the real tool. */
export async function runTool(tool, main) {
  const args = process.argv.slice(2);
  recordCall(tool, args);
  try {
    await main(args);
    process.exitCode = 0;
  } catch (error) {
    if (!(error instanceof ToolExit)) {
      err(`fake ${tool}: internal error: ${error?.stack ?? error}\n`);
      process.exit(70);
    }
    if (error.stdout) out(error.stdout);
    if (error.stderr) err(error.stderr);
    process.exitCode = error.code;
  }
}
