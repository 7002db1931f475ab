import { createInterface } from "node:readline/promises";
import { loadConfig, secretValues, type Config } from "../config.js";
import { killAllHostCommands } from "../host/index.js";
import { createLogger, withOperation } from "../log.js";
import { createRuntime } from "../runtime.js";
import type { Actor, Workloads } from "../workloads/index.js";
import { EXIT } from "./exit-codes.js";

/** Where a verb writes, and what it knows of its terminal: tests hand in their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTty: process.stdin.isTTY === true && process.stdout.isTTY === true,
  env: process.env,
};

/** The verb was used wrongly (exit 64, EX_USAGE). */
export class UsageError extends Error {}

/**
 * The admin at the CLI acts as the first configured admin (ownership defaults to them);
 * configuration refuses to load without one (config.ts).
 */
function cliActor(config: Config): Actor {
  const [first] = config.access.admins;
  if (first === undefined) throw new Error("VOXNIX_ADMINS is empty: no admin to act as");
  return { userId: first, role: "admin", via: "cli" };
}

/** Loads configuration and the runtime, runs one verb, closes everything. Logs go to stderr. */
export async function withWorkloads<T>(
  io: Io,
  fn: (w: Workloads, actor: Actor) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env, { purpose: "admin" });
  const log = createLogger({
    level: config.log.level === "info" ? "warn" : config.log.level,
    secrets: secretValues(config),
    destination: { write: (line: string) => void process.stderr.write(line) },
  });
  const runtime = await createRuntime(config, log, io.env);
  const stopOnSignal = stopHostCommandsOnSignal(io);
  try {
    return await withOperation(() => fn(runtime.workloads, cliActor(config)));
  } finally {
    stopOnSignal();
    runtime.close();
  }
}

const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Ctrl-C, a closed SSH session or a kill while a verb runs: its host commands die with it.
 * A signal skips the exit hooks, so without this a build would go on and install a container
 * after the operation's lease had been repaired away. What the verb left half-done is its
 * lease's, for the next reconcile. Returns the function that removes the handlers.
 */
function stopHostCommandsOnSignal(io: Io): () => void {
  const handlers = Object.entries(SIGNAL_EXIT).map(([signal, code]) => {
    const handler = () => {
      killAllHostCommands();
      io.err(`voxnix: stopped by ${signal}; voxnix doctor (or the daemon) finishes what it left`);
      process.exit(code);
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((off) => off());
}

/**
 * A pending confirmation answered at the terminal: with --yes, or by typing `name`. Anything
 * else spends it (nothing could run it later) and fails the verb, so that a script never reads
 * a declined destroy or rollback as done. Returns whether to go on.
 */
export async function confirmedAtTerminal(
  io: Io,
  w: Workloads,
  actor: Actor,
  pending: { readonly id: string; readonly yes: boolean | undefined },
  ask: {
    readonly verb: string;
    readonly question: string;
    readonly name: string;
    /** "dev not destroyed" */
    readonly declined: string;
  },
): Promise<boolean> {
  if (pending.yes) return true;
  if (!io.isTty)
    throw new UsageError(`${ask.verb} asks for confirmation; pass --yes when not on a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${ask.question} Type the name to confirm: `);
  rl.close();
  if (answer.trim() === ask.name) return true;
  w.cancel(actor, pending.id);
  io.err(`${ask.declined} (the answer was not its name)`);
  process.exitCode = EXIT.failure;
  return false;
}
