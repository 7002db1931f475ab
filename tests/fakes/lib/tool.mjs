// The frame every fake tool runs in: records the call, exposes failure-injection checkpoints,
// and turns a thrown ToolExit into the exit code and output the real tool would give. Tools run
// inside the fake host's tool server (server.mjs); their output goes to the current invocation.
//
// Failure injection (faults.json, an array of rules):
//   { "command": "zfs create",        // tool and verb; the tool alone for verb-less tools
//                                     //   (journalctl, nix-build, nix-instantiate)
//     "step": "before",               // checkpoint inside the command (default "before");
//                                     //   nix-build also has "output" (built, not yet linked)
//     "match": "tank/users/1001",     // optional: only calls whose args contain this text
//     "nth": 2,                       // optional: only the nth matching call (1-based); else every
//     "action": "fail" | "hang" | "malformed" | "delay" | "gate",
//     "exitCode": 1, "stdout": "…", "stderr": "…",   // for fail / malformed
//     "delayMs": 500,                 // for delay
//     "gate": "build",                // for gate: wait until the test opens this gate (an exact
//                                     //   event, where a delay would be a guess at how long)
//     "spawnChild": true }            // for hang: leave a grandchild running too
import { CallerGone, invocation, invoke } from "./invocation.mjs";
import { existsSync } from "node:fs";
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

export const out = (text) => void invocation().stdout.push(text);
export const err = (text) => void invocation().stderr.push(text);

/** Waits `ms`, unless the caller goes away first: then the call ends there, having done no more. */
export function sleep(ms) {
  const { signal } = invocation();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CallerGone());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", gone);
      resolve();
    }, ms);
    const gone = () => {
      clearTimeout(timer);
      reject(new CallerGone());
    };
    signal.addEventListener("abort", gone, { once: true });
  });
}

/** Thrown by a "hang" fault: the tool's process blocks until it is killed. */
export class Hang extends Error {
  constructor(spawnChild) {
    super("hang");
    this.spawnChild = spawnChild;
  }
}

export function verbOf(args) {
  return args.find((arg) => !arg.startsWith("-"));
}

/**
 * Creates the checkpoint function of one invocation. `checkpoint(step)` applies the injected
 * faults that target this command at this step.
 */
export function checkpoints(tool, args, verb = verbOf(args)) {
  // null: a tool without verbs, whose rules name the tool alone ("nix-build").
  const command = verb === undefined || verb === null ? tool : `${tool} ${verb}`;
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
    if (invocation().signal.aborted) throw new CallerGone();
    for (const { rule } of firing) await apply(rule, command, step);
  };
}

async function apply(rule, command, step) {
  switch (rule.action) {
    case "delay":
      await sleep(rule.delayMs ?? 0);
      return;
    case "gate":
      while (!existsSync(join(paths().gates, rule.gate))) await sleep(25);
      return;
    case "malformed":
      throw new ToolExit(rule.exitCode ?? 0, {
        stdout: rule.stdout ?? "{ this is not what you expected\n",
        stderr: rule.stderr ?? "",
      });
    case "hang":
      // The tool process itself blocks (and with spawnChild leaves a grandchild in its process
      // group, which the runner must kill too): see the client in create-host.mjs.
      throw new Hang(Boolean(rule.spawnChild));
    case "fail":
    default:
      throw new ToolExit(rule.exitCode ?? 1, {
        stdout: rule.stdout ?? "",
        stderr: rule.stderr ?? `${command}: injected failure at ${step}\n`,
      });
  }
}

/** A fake tool: its name and what it does with its arguments. */
export const defineTool = (name, main) => ({ name, main });

/**
 * Runs one call of `tool` on the host in `dir` to its end: what the real tool would print and its
 * exit code, `{ hang }` for a hang fault, or `{ gone }` if the caller went away first.
 */
export function runTool(tool, args, dir, signal, callerPid) {
  return invoke(dir, signal, callerPid, async () => {
    const call = invocation();
    const result = (code) => ({ code, stdout: call.stdout.join(""), stderr: call.stderr.join("") });
    recordCall(tool.name, args);
    try {
      await tool.main(args);
      return result(0);
    } catch (error) {
      if (error instanceof Hang) return { hang: true, spawnChild: error.spawnChild };
      if (error instanceof CallerGone) return { gone: true };
      if (!(error instanceof ToolExit)) {
        err(`fake ${tool.name}: internal error: ${error?.stack ?? error}\n`);
        return result(70);
      }
      if (error.stdout) out(error.stdout);
      if (error.stderr) err(error.stderr);
      return result(error.code);
    }
  });
}
