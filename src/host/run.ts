import { basename } from "node:path";
import type { Logger } from "../log.js";
import { currentProcess, HOLDER_VARIABLE, holderMark } from "../process-identity.js";
import { inSpan } from "../tracing.js";
import type { Ended } from "./child-process.js";
import {
  HostCommandError,
  HostCommandTimeout,
  HostOutputTooLarge,
  HostToolMissing,
  tail,
} from "./errors.js";
import { commandStarter } from "./spawn-helper.js";

/** A command line: the binary (looked up on PATH) and its arguments. Never a shell string. */
export type Argv = readonly [binary: string, ...args: string[]];

export interface RunOptions {
  /** Deadline for the whole command, in ms; the runner's default when omitted. */
  readonly timeoutMs?: number;
  /** Aborting kills the command's process group, like a timeout. */
  readonly signal?: AbortSignal;
  /** Written to the command's stdin; stdin is closed (not a TTY) otherwise. */
  readonly input?: string;
  /** Exit codes that are answers rather than failures (`systemctl is-active` exits 3 for "inactive"). */
  readonly allowExitCodes?: readonly number[];
  /** Most bytes kept from each of stdout and stderr; the runner's default when omitted. */
  readonly maxOutputBytes?: number;
}

export interface CommandResult {
  readonly argv: Argv;
  readonly exitCode: number;
  /** Exactly as printed, final newline included: some tools' blank lines carry meaning. */
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Runs host commands. Every host tool call in voxnix goes through one of these. */
export interface Runner {
  /**
   * Runs `argv` and resolves with its output when it exits 0 (or with an allowed exit code).
   *
   * @throws HostToolMissing when the binary is not on PATH
   * @throws HostCommandTimeout when the deadline passes or `signal` aborts (process group killed)
   * @throws HostOutputTooLarge when stdout or stderr exceeds the cap (process group killed)
   * @throws HostCommandError for any other non-zero exit or death by signal
   */
  run(argv: Argv, options?: RunOptions): Promise<CommandResult>;
  /** The PATH commands are looked up on. */
  readonly path: string;
}

export interface RunnerOptions {
  readonly log: Logger;
  /** The complete environment of every command: nothing of the daemon's own is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Default deadline, in ms (default 60 000). */
  readonly defaultTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL of a timed-out process group, in ms (default 2 000). */
  readonly killGraceMs?: number;
  /** Default cap on each output stream, in bytes (default 4 MiB). */
  readonly maxOutputBytes?: number;
  /**
   * voxnix-spawn, which starts commands without forking this process (spawn-helper.ts);
   * commands fork this process when it is undefined or unusable.
   */
  readonly spawnHelper?: string | undefined;
}

/**
 * Variables host tools may see. An allowlist, so the daemon's secrets (bot token, LLM key) and
 * anything else in its environment never reach a child process or, through it, a container.
 * NIX_PATH is kept because nix-build resolves `<nixpkgs>` through it (nix/mk-container.nix).
 */
const HOST_TOOL_VARIABLES = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "NIX_PATH", "LOCALE_ARCHIVE"];

/** The environment host tools run with, picked from the daemon's. */
export function hostToolEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of HOST_TOOL_VARIABLES) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** How long a command's pipes may stay open after it exited before its output is taken as is. */
const OUTPUT_GRACE_MS = 1_000;

export function createRunner(options: RunnerOptions): Runner {
  const log = options.log;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
  const killGraceMs = options.killGraceMs ?? 2_000;
  const defaultMaxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
  const startCommand = commandStarter(options.spawnHelper, log);

  function run(argv: Argv, runOptions: RunOptions = {}): Promise<CommandResult> {
    const { command, verb } = commandOf(argv);
    const attributes = { "voxnix.command": command, "voxnix.command.verb": verb };
    return inSpan(`host ${command}${verb ? ` ${verb}` : ""}`, attributes, async (span) => {
      try {
        const result = await runCommand(argv, runOptions);
        span.setAttribute("voxnix.command.exit_code", result.exitCode);
        return result;
      } catch (error) {
        if (error instanceof HostCommandError && error.exitCode !== null)
          span.setAttribute("voxnix.command.exit_code", error.exitCode);
        throw error;
      }
    });
  }

  async function runCommand(argv: Argv, runOptions: RunOptions): Promise<CommandResult> {
    const [binary, ...args] = argv;
    const timeoutMs = runOptions.timeoutMs ?? defaultTimeoutMs;
    const maxOutputBytes = runOptions.maxOutputBytes ?? defaultMaxOutputBytes;
    const started = performance.now();

    let stopReason: "timeout" | "abort" | "output" | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    // Stopped as soon as either stream passes the cap: a child still holding the pipe would
    // keep us waiting otherwise.
    const command = startCommand(binary, args, {
      env: { ...options.env, [HOLDER_VARIABLE]: holderMark(currentProcess()) },
      ...(runOptions.input === undefined ? {} : { input: runOptions.input }),
      maxOutputBytes,
      onOverflow: () => stop("output"),
    });
    function stop(reason: NonNullable<typeof stopReason>) {
      if (stopReason !== undefined) return;
      stopReason = reason;
      command.signal("SIGTERM");
      forceKill = setTimeout(() => command.signal("SIGKILL"), killGraceMs);
    }
    // Its output ends when every holder of its pipes has closed them, and a process outside its
    // group may hold them for good: one a tenant leaves running in its container, whose systemd
    // was handed our pipes (container-exec.ts), or a tool's daemonised child. The command's
    // exit is what counts: what it printed by then, and shortly after, is its output.
    let drain: NodeJS.Timeout | undefined;
    command.onExit(() => {
      drain = setTimeout(() => command.closeOutput(), OUTPUT_GRACE_MS);
    });
    const deadline = setTimeout(() => stop("timeout"), timeoutMs);
    const onAbort = () => stop("abort");
    runOptions.signal?.addEventListener("abort", onAbort, { once: true });
    if (runOptions.signal?.aborted) stop("abort");

    let result: Ended;
    try {
      result = await command.ended;
    } finally {
      clearTimeout(deadline);
      clearTimeout(forceKill);
      clearTimeout(drain);
      runOptions.signal?.removeEventListener("abort", onAbort);
      // Stragglers of a stopped command die with it; a command that ended on its own keeps
      // nothing running in its group either way, so this is a no-op then.
      if (stopReason !== undefined) command.signal("SIGKILL");
    }

    const durationMs = Math.round(performance.now() - started);
    const { stdout, stderr, exitCode } = result;
    log.debug({ argv, exitCode, signal: result.signal, durationMs }, "host command");

    if (result.spawnError?.code === "ENOENT")
      throw new HostToolMissing({ argv, searchedPath: options.env.PATH ?? "" });
    const output = { stdoutTail: tail(stdout), stderrTail: tail(stderr) };
    if (stopReason === "output") {
      throw new HostOutputTooLarge({ argv, maxOutputBytes, ...output });
    }
    if (stopReason !== undefined) {
      throw new HostCommandTimeout({
        argv,
        timeoutMs: stopReason === "timeout" ? timeoutMs : undefined,
        ...output,
      });
    }
    if (exitCode === 0 || (exitCode !== null && runOptions.allowExitCodes?.includes(exitCode))) {
      return { argv, exitCode, stdout, stderr, durationMs };
    }
    throw new HostCommandError({
      argv,
      exitCode,
      ...output,
      ...(result.signal ? { cause: new Error(`killed by ${result.signal}`) } : {}),
      ...(result.spawnError ? { cause: result.spawnError } : {}),
    });
  }

  return { run, path: options.env.PATH ?? "" };
}

/**
 * What a span may say about a command line: the tool (the one nsenter runs, when it runs one)
 * and its verb when that is a plain word or flag (`create`, `--find-file`). Never the rest: the
 * debug log line has the whole argv, but a span has no secret-masking pass behind it, and
 * arguments carry names, paths and expressions.
 */
function commandOf(argv: Argv): { command: string; verb: string | undefined } {
  const separator = argv.indexOf("--");
  const [binary, next] =
    basename(argv[0]) === "nsenter" && separator > 0 ? argv.slice(separator + 1) : argv;
  return {
    command: basename(binary ?? argv[0]),
    verb: next !== undefined && /^-{0,2}[a-z][a-z-]*$/.test(next) ? next : undefined,
  };
}
