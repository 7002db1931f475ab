import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, writeSync } from "node:fs";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import type { Logger } from "../log.js";
import {
  notStarted,
  outputCollector,
  startWithFork,
  type CollectedStream,
  type Ended,
  type StartCommand,
  type Started,
  type StartOptions,
} from "./child-process.js";
import { alsoKillAll, trackGroup, type ProcessGroup } from "./process-groups.js";

// The daemon's side of voxnix-spawn (spawn-helper.c, which describes the protocol): host
// commands started by a small process of our own with posix_spawn, so the daemon never forks
// its heap. One helper per process serves every runner in it.

const PROTOCOL_VERSION = 3;
const HELPER_NAME = "voxnix-spawn";

/**
 * The helper beside the daemon's bundle (build.mjs compiles it into dist/), or undefined where
 * it was not built: a machine without a C compiler, or the sources run by tsx.
 */
export function bundledSpawnHelper(): string | undefined {
  const path = fileURLToPath(new URL(`./${HELPER_NAME}`, import.meta.url));
  return existsSync(path) ? path : undefined;
}

const helpers = new Map<string, StartCommand>();

/**
 * How this process starts host commands: through the helper at `helperPath` when it is there
 * and speaks our protocol, by forking otherwise (saying why, once).
 */
export function commandStarter(helperPath: string | undefined, log: Logger): StartCommand {
  if (helperPath === undefined) return startWithFork;
  let starter = helpers.get(helperPath);
  if (starter === undefined) {
    const problem = checkHelper(helperPath);
    if (problem !== undefined)
      log.warn({ helper: helperPath, problem }, "spawn helper unusable: host commands fork");
    starter = problem === undefined ? helperConnection(helperPath, log) : startWithFork;
    helpers.set(helperPath, starter);
  }
  return starter;
}

function checkHelper(path: string): string | undefined {
  const answer = spawnSync(path, ["--protocol"], { encoding: "utf8", timeout: 10_000 });
  if (answer.error) return answer.error.message;
  if (answer.stdout.trim() !== String(PROTOCOL_VERSION))
    return `it speaks protocol ${JSON.stringify(answer.stdout.trim())}, not ${PROTOCOL_VERSION}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/** One command in flight through the helper. */
interface Call {
  readonly binary: string;
  readonly stdout: CollectedStream;
  readonly stderr: CollectedStream;
  readonly exitListeners: (() => void)[];
  readonly signalsBeforeStart: NodeJS.Signals[];
  group?: ProcessGroup;
  exit?: { exitCode: number | null; signal: NodeJS.Signals | null };
  drained: boolean;
  readonly resolve: (ended: Ended) => void;
}

/** Its frames' limit (MAX_FRAME in spawn-helper.c); input goes in pieces well under it. */
const MAX_FRAME = 64 * 2 ** 20;
const INPUT_PIECE = 2 ** 20;

/** Names by number, the first Node lists for each (SIGABRT, not its alias SIGIOT). */
const firstNames = <T extends string>(table: Record<string, number>) => {
  const names = new Map<number, T>();
  for (const [name, n] of Object.entries(table)) if (!names.has(n)) names.set(n, name as T);
  return names;
};
const ERRNO_NAMES = firstNames<string>(constants.errno);
const SIGNAL_NAMES = firstNames<NodeJS.Signals>(constants.signals);

/** The helper process and what it has sent that is not yet a whole frame. */
interface Connection {
  readonly child: ChildProcess;
  pending: Buffer;
  /** Whether it has served a call to its end yet (a command's exit, or why it could not start). */
  answered: boolean;
}

/**
 * How long commands fork after the helper could not be used before it is tried again: doubling
 * from the first to the last, and back to the first once it works. A start that failed for a
 * passing reason (EAGAIN at the process limit, a package swapped under the daemon) costs
 * seconds of forking, not the rest of the daemon's life; one that keeps failing is tried, and
 * logged, at most every ten minutes.
 */
export const HELPER_RETRY_MS = { first: 10_000, last: 600_000 } as const;

function helperConnection(path: string, log: Logger): StartCommand {
  let connection: Connection | undefined;
  /** Until when commands fork after the helper could not be used; the next call then tries it. */
  let forkUntil: number | undefined;
  let retryMs: number = HELPER_RETRY_MS.first;
  const calls = new Map<number, Call>();
  let lastId = 0;

  /** Commands fork from now until the retry, which is returned, in ms from now. */
  function holdOff(): number {
    const waitMs = retryMs;
    forkUntil = performance.now() + waitMs;
    retryMs = Math.min(retryMs * 2, HELPER_RETRY_MS.last);
    return waitMs;
  }
  const unusable = (problem: string, retryInMs: number) =>
    log.warn({ helper: path, problem, retryInMs }, "spawn helper unusable: host commands fork");

  /** A new helper, or undefined when it cannot even be started (then commands fork). */
  function connect(): Connection | undefined {
    // Its own session: a Ctrl-C at the terminal of `voxnix chat` is the daemon's to handle.
    // Descriptor 3 carries only the daemon's exit (alsoKillAll below).
    let child: ChildProcess;
    try {
      child = spawn(path, [], { stdio: ["pipe", "pipe", "inherit", "pipe"], detached: true });
    } catch (error) {
      // Node throws some failed starts (ENOTDIR, …).
      unusable((error as Error).message, holdOff());
      return undefined;
    }
    if (child.pid === undefined) {
      // Node reports why in an 'error' event, after this call: the binary went away since the
      // check, say. Nothing was sent to it, so this call and the ones until the retry fork.
      const retryInMs = holdOff();
      child.once("error", (error) => unusable(error.message, retryInMs));
      return undefined;
    }
    const started: Connection = { child, pending: Buffer.alloc(0), answered: false };
    child.unref();
    (child.stdin as Socket | null)?.unref();
    (child.stdio[3] as Socket | null)?.unref();
    child.stdin?.on("error", () => undefined); // it died: 'exit' below says so
    child.stdout?.on("data", (chunk: Buffer) => readEvents(started, chunk));
    child.once("exit", (code, signal) => lost(started, `exited (${signal ?? `code ${code}`})`));
    child.once("error", (error) => lost(started, `failed (${error.message})`));
    return started;
  }

  /**
   * The helper is gone: its commands still running are killed, their calls fail. One that went
   * before it served any call to its end is not started again at once: a helper that dies as it
   * starts or at its first command (a system call filter, a broken build) would otherwise fail
   * every command, one new helper each.
   */
  function lost(gone: Connection, how: string) {
    if (connection !== gone) return;
    connection = undefined;
    if (!gone.answered) unusable(`it ${how} before answering`, holdOff());
    else if (calls.size > 0)
      log.warn(
        { helper: path, problem: how, calls: calls.size },
        "spawn helper lost: its calls fail",
      );
    for (const [id, call] of calls) {
      call.group?.signal("SIGKILL");
      call.group?.release();
      calls.delete(id);
      const spawnError = new Error(`the spawn helper ${how} before the command ended`);
      call.resolve({
        exitCode: null,
        signal: null,
        stdout: call.stdout.text(),
        stderr: call.stderr.text(),
        spawnError,
      });
    }
  }

  // Frames arrive in chunks of any size; `pending` holds a frame begun but not yet complete.
  function readEvents(from: Connection, chunk: Buffer) {
    if (connection !== from) return; // a dead helper's last words
    let pending = from.pending.length === 0 ? chunk : Buffer.concat([from.pending, chunk]);
    let at = 0;
    while (pending.length - at >= 4) {
      const size = pending.readUInt32LE(at);
      if (pending.length - at - 4 < size) break;
      const id = pending.readUInt32LE(at + 4);
      const type = pending.toString("latin1", at + 8, at + 9);
      const call = calls.get(id);
      if (call) onEvent(id, call, type, pending.subarray(at + 9, at + 4 + size));
      at += 4 + size;
    }
    pending = pending.subarray(at);
    from.pending = pending;
  }

  /** A helper works: after a time of forking the log says so, and a next failure waits little. */
  function answered(from: Connection) {
    from.answered = true;
    if (retryMs === HELPER_RETRY_MS.first) return;
    retryMs = HELPER_RETRY_MS.first;
    log.info({ helper: path }, "spawn helper usable again: host commands go through it");
  }

  function onEvent(id: number, call: Call, type: string, payload: Buffer) {
    switch (type) {
      case "P": {
        call.group = trackGroup(payload.readInt32LE(0));
        for (const signal of call.signalsBeforeStart) call.group.signal(signal);
        return;
      }
      case "F":
        return finish(id, call, { spawnError: spawnError(call.binary, payload.readInt32LE(0)) });
      case "O":
        return call.stdout.add(payload);
      case "E":
        return call.stderr.add(payload);
      case "X": {
        const code = payload.readInt32LE(0);
        const number = payload.readInt32LE(4);
        // A real-time signal has no name in Node: its number, then, rather than nothing.
        const signal = SIGNAL_NAMES.get(number) ?? (`SIG${number}` as NodeJS.Signals);
        call.exit = code < 0 ? { exitCode: null, signal } : { exitCode: code, signal: null };
        for (const listener of call.exitListeners.splice(0)) listener();
        break;
      }
      case "D":
        call.drained = true;
        break;
    }
    if (call.exit && call.drained) finish(id, call, call.exit);
  }

  function finish(id: number, call: Call, how: Partial<Ended>) {
    if (connection !== undefined && !connection.answered) answered(connection);
    calls.delete(id);
    call.group?.release();
    if (calls.size === 0) unrefPipes();
    call.resolve({
      exitCode: null,
      signal: null,
      ...how,
      stdout: call.stdout.text(),
      stderr: call.stderr.text(),
    });
  }

  const frame = (id: number, type: string, payload: Buffer) => {
    const head = Buffer.alloc(9);
    head.writeUInt32LE(5 + payload.length, 0);
    head.writeUInt32LE(id, 4);
    head.write(type, 8, "latin1");
    return Buffer.concat([head, payload]);
  };
  const send = (id: number, type: string, payload: Buffer) =>
    connection?.child.stdin?.write(frame(id, type, payload));

  // At exit (killAllHostCommands), commands whose 'P' has not arrived are on no list here: the
  // last id sent, on the helper's descriptor 3, has it kill every group it started and start
  // none of the calls up to that id it has yet to read. Written at once, as an exit handler
  // must, to the pipe's descriptor, which Node's types do not show; nothing else is written
  // there, so it can neither split a frame nor find the pipe full.
  alsoKillAll(() => {
    const exitPipe = connection?.child.stdio[3] as { _handle?: { fd?: number } } | undefined;
    const fd = exitPipe?._handle?.fd;
    if (fd === undefined || fd < 0) return;
    try {
      const last = Buffer.alloc(4);
      last.writeUInt32LE(lastId);
      writeSync(fd, last);
    } catch {
      // A dead helper: the groups it reported are killed regardless.
    }
  });

  // An idle helper keeps nothing alive: a CLI verb exits when its work is done.
  // (The pipes to a child are sockets: Node's types say only Readable and Writable.)
  function refPipes() {
    (connection?.child.stdout as Socket | null | undefined)?.ref();
  }
  function unrefPipes() {
    (connection?.child.stdout as Socket | null | undefined)?.unref();
  }

  return function startThroughHelper(binary, args, options): Started {
    // A monotonic clock: a wall clock set back (NTP at boot, a resumed VM) must not extend it.
    if (forkUntil !== undefined && performance.now() < forkUntil)
      return startWithFork(binary, args, options);
    const strings = [binary, ...args, ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)];
    // Node's spawn refuses these too: no file to look up, and a C string ends at its first NUL.
    if (binary === "" || strings.some((s) => s.includes("\0")))
      return notStarted(
        Object.assign(new TypeError("an empty binary or a NUL byte in a command line"), {
          code: "ERR_INVALID_ARG_VALUE",
        }),
      );
    const request = startRequest(args.length + 1, strings, options);
    // What execve would refuse anyway, refused before it could break the helper's frames.
    if (request.length + 5 > MAX_FRAME)
      return notStarted(spawnError(binary, constants.errno.E2BIG));
    connection ??= connect();
    if (connection === undefined) return startWithFork(binary, args, options);
    if (calls.size === 0) refPipes();
    lastId = lastId >= 0xffff_ffff ? 1 : lastId + 1;
    const id = lastId;

    let resolve!: (ended: Ended) => void;
    const ended = new Promise<Ended>((r) => (resolve = r));
    const stream = outputCollector(options);
    const call: Call = {
      binary,
      stdout: stream(),
      stderr: stream(),
      exitListeners: [],
      signalsBeforeStart: [],
      drained: false,
      resolve,
    };
    calls.set(id, call);
    send(id, "S", request);
    if (options.input !== undefined) {
      const input = Buffer.from(options.input, "utf8");
      for (let at = 0; at < input.length; at += INPUT_PIECE)
        send(id, "I", input.subarray(at, at + INPUT_PIECE));
      send(id, "I", Buffer.alloc(0)); // the end of its input
    }

    return {
      ended,
      onExit(listener) {
        if (call.exit) listener();
        else call.exitListeners.push(listener);
      },
      closeOutput() {
        if (!call.drained && calls.has(id)) send(id, "C", Buffer.alloc(0));
      },
      signal(signal) {
        if (call.group) call.group.signal(signal);
        else if (calls.has(id)) call.signalsBeforeStart.push(signal);
      },
    };
  };
}

function startRequest(argc: number, strings: string[], options: StartOptions): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(argc, 0);
  head.writeUInt32LE(strings.length - argc, 4);
  head[8] = options.input === undefined ? 0 : 1;
  const body = Buffer.from(`${strings.join("\0")}\0`, "utf8");
  return Buffer.concat([head, body]);
}

/** The error Node's spawn gives for a command that could not start. */
function spawnError(binary: string, errno: number): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return Object.assign(new Error(`spawn ${binary} ${code}`), {
    errno: -errno,
    code,
    syscall: `spawn ${binary}`,
    path: binary,
  });
}
