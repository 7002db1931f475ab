// A tenant that swaps names under the host's feet or holds a lease on its file, and a tripwire
// that sees what the host opens: real kernel calls, made by python3 (renameat2 with
// RENAME_EXCHANGE through ctypes, as a tenant does from inside a running container; fcntl
// F_SETLEASE; inotify through ctypes, which sees every open and read).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { onTestFinished } from "vitest";
import { PYTHON3 } from "../support/python.js";

const CHECK = "import ctypes; libc = ctypes.CDLL(None); libc.renameat2; libc.inotify_init1";

/** python3 with ctypes, and a C library that has renameat2 (glibc 2.28) and inotify. */
export const hasPythonCtypes = (() => {
  try {
    execFileSync(PYTHON3, ["-c", CHECK], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

// Pairs of paths, swapped in turn for as long as it runs; prints "ready" after the first round
// and, on SIGTERM, how many swaps it made.
const SWAP = String.raw`
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
pairs = [(a.encode(), b.encode()) for a, b in zip(sys.argv[1::2], sys.argv[2::2])]
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
swaps = 0
while not stop:
    for a, b in pairs:
        if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
            sys.exit("renameat2 %s: %s" % (a, os.strerror(ctypes.get_errno())))
        swaps += 1
    if swaps == len(pairs):
        print("ready", flush=True)
print(swaps, flush=True)
`;

// One line per open or read of a watched inode (a directory's watch also sees its entries'):
// path, entry name, mask. An inotify watch follows the inode, whatever its name becomes.
const WATCH = String.raw`
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
IN_ACCESS, IN_OPEN = 0x1, 0x20
fd = libc.inotify_init1(0)
if fd < 0:
    sys.exit("inotify_init1: " + os.strerror(ctypes.get_errno()))
paths = {}
for path in sys.argv[1:]:
    wd = libc.inotify_add_watch(fd, path.encode(), IN_OPEN | IN_ACCESS)
    if wd < 0:
        sys.exit("inotify_add_watch %s: %s" % (path, os.strerror(ctypes.get_errno())))
    paths[wd] = path
print("ready", flush=True)
while True:
    data = os.read(fd, 65536)
    offset = 0
    while offset < len(data):
        wd, mask, cookie, length = struct.unpack_from("iIII", data, offset)
        name = data[offset + 16 : offset + 16 + length].rstrip(b"\0").decode("utf-8", "replace")
        offset += 16 + length
        print("%s\t%s\t%#x" % (paths.get(wd, "(overflow)"), name, mask), flush=True)
`;

// A write lease on one file, held until killed; the break signal (SIGIO) is ignored, so the
// lease lasts until the kernel's lease-break-time (45 s by default) runs out.
const LEASE = String.raw`
import fcntl, os, signal, sys
signal.signal(signal.SIGIO, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
print("ready", flush=True)
while True:
    signal.pause()
`;

/** A python3 process whose stdout lines can be awaited; killed when the test ends. */
function python(script: string, args: string[]) {
  const child: ChildProcess = spawn(PYTHON3, ["-c", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const lines: string[] = [];
  const waiting: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiting.filter((w) => w.test(line))) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const line = (test: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test);
      if (seen !== undefined) return resolve(seen);
      waiting.push({ test, resolve });
      void closed.then(() => reject(new Error(`python3 ended first: ${stderr.trim()}`)));
    });
  return { child, lines, line, closed };
}

/**
 * Starts swapping each pair of paths (renameat2 RENAME_EXCHANGE) in a tight loop; resolves once
 * every pair has been swapped once. `stop()` resolves to the number of swaps made.
 */
export async function startSwapping(pairs: readonly (readonly [string, string])[]) {
  const swapper = python(SWAP, pairs.flat());
  await swapper.line((line) => line === "ready");
  return {
    async stop(): Promise<number> {
      swapper.child.kill("SIGTERM");
      await swapper.closed;
      const count = Number(swapper.lines.at(-1));
      if (swapper.child.exitCode !== 0 || !Number.isSafeInteger(count))
        throw new Error(`the swapper failed: ${swapper.lines.join(" ")}`);
      return count;
    },
  };
}

/**
 * Watches `paths` (directories, FIFOs, device nodes: their inodes) for any open or read. The
 * sentinel, a regular file inside the first watched directory, is read by `settle()`: inotify
 * delivers events in order, so once the sentinel's arrives every earlier open has been seen,
 * without waiting on a clock. `settle()` resolves to what else was opened ("path\tname\tmask").
 */
export async function watchOpens(paths: readonly string[], sentinel: string) {
  const watcher = python(WATCH, [...paths]);
  await watcher.line((line) => line === "ready");
  const sentinelName = sentinel.slice(sentinel.lastIndexOf("/") + 1);
  const isSentinel = (line: string) => line.split("\t")[1] === sentinelName;
  return {
    async settle(): Promise<string[]> {
      readFileSync(sentinel);
      await watcher.line(isSentinel);
      watcher.child.kill("SIGTERM");
      await watcher.closed;
      return watcher.lines.filter((line) => line !== "ready" && !isSentinel(line));
    },
  };
}

/** Holds a write lease on `path` (as its owner may, in a container) until the test ends. */
export async function holdWriteLease(path: string): Promise<void> {
  await python(LEASE, [path]).line((line) => line === "ready");
}
