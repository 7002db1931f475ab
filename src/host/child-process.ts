import { spawn, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { trackGroup } from "./process-groups.js";

/** How a command ended, with what it printed (up to the cap) on each stream. */
export interface Ended {
  /** Its exit code, or null when a signal ended it or it never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it never started (ENOENT for a binary not on PATH), when it did not. */
  readonly spawnError?: NodeJS.ErrnoException;
}

export interface Started {
  /** Settles once the command has exited and its output is closed (see `closeOutput`). */
  readonly ended: Promise<Ended>;
  /** Called once, on its exit (before `ended`, which may wait for its pipes). */
  onExit(listener: () => void): void;
  /** Stops waiting for output: what the pipes gave so far is the output. */
  closeOutput(): void;
  /**
   * Signals its whole process group (the command leads one of its own): now, or as soon as it
   * has started. Nothing when it never started.
   */
  signal(signal: NodeJS.Signals): void;
}

export interface StartOptions {
  /** The complete environment: nothing of this process's is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed; stdin is /dev/null otherwise. */
  readonly input?: string;
  /** Bytes kept of each stream; `onOverflow` is called once when either passes it. */
  readonly maxOutputBytes: number;
  readonly onOverflow: () => void;
}

/**
 * Starts `binary` (looked up on the environment's PATH, no shell) as the leader of a new
 * session and process group, and collects its output. The runner (run.ts) decides deadlines,
 * kills and errors.
 */
export type StartCommand = (
  binary: string,
  args: readonly string[],
  options: StartOptions,
) => Started;

/** One of a command's output streams as it is collected (outputCollector). */
export interface CollectedStream {
  add(chunk: Buffer): void;
  /** What was kept, decoded. */
  text(): string;
}

/**
 * A command's output as it arrives, kept up to the cap. Decoded once, whole, at the end: a
 * character split across two chunks stays one character.
 */
export function outputCollector(options: StartOptions): () => CollectedStream {
  let overflowed = false;
  return () => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    return {
      add(chunk: Buffer) {
        if (bytes < options.maxOutputBytes)
          chunks.push(chunk.subarray(0, options.maxOutputBytes - bytes));
        bytes += chunk.length;
        if (bytes > options.maxOutputBytes && !overflowed) {
          overflowed = true;
          options.onOverflow();
        }
      },
      text: () => Buffer.concat(chunks).toString("utf8"),
    };
  };
}

/**
 * StartCommand with Node's own child_process, which forks this process: where the spawn
 * helper (spawn-helper.ts) is not built. Without a library's per-call stream plumbing, which
 * cost more CPU than the fork itself on every host command (bench/host-calls.ts).
 */
export const startWithFork: StartCommand = (binary, args, options) => {
  let child: ChildProcess;
  try {
    child = spawn(binary, args, {
      env: options.env,
      // Its own session and process group, so a timeout can kill the tool's children too
      // (nix-build, systemctl, a shell's pipeline) and not just the process we started.
      detached: true,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
  } catch (error) {
    // Node reports ENOENT, EACCES and a few more as an 'error' event, and throws the rest
    // (ENOTDIR, E2BIG, a NUL byte in an argument or a variable): a failed start either way.
    return notStarted(error as NodeJS.ErrnoException);
  }
  const stream = outputCollector(options);
  const collect = (readable: Readable | null) => {
    const output = stream();
    readable?.on("data", output.add);
    return output.text;
  };
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  if (options.input !== undefined) {
    // A command that exits without reading its input closes the pipe first: not our failure.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input);
  }
  const group = child.pid === undefined ? undefined : trackGroup(child.pid);

  const ended = new Promise<Ended>((resolve) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      // Only a failed start (or kill) reports here; a started command always closes.
      if (child.pid === undefined)
        resolve({ exitCode: null, signal: null, stdout: "", stderr: "", spawnError: error });
    });
    child.once("close", (exitCode, signal) => {
      group?.release();
      resolve({ exitCode, signal, stdout: stdout(), stderr: stderr() });
    });
  });
  return {
    ended,
    onExit: (listener) => child.once("exit", listener),
    closeOutput() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    signal: (signal) => group?.signal(signal),
  };
};

/** A command that failed to start, for either way of starting one. */
export function notStarted(spawnError: NodeJS.ErrnoException): Started {
  return {
    ended: Promise.resolve({ exitCode: null, signal: null, stdout: "", stderr: "", spawnError }),
    onExit: () => undefined,
    closeOutput: () => undefined,
    signal: () => undefined,
  };
}
