import { constants, type Dir, type Dirent } from "node:fs";
import { open, opendir, stat, type FileHandle } from "node:fs/promises";

/**
 * Reading a tenant's tree from the host, as root, while the tenant may be changing it: any name
 * can become a link, a FIFO or a device between two steps (renameat2 RENAME_EXCHANGE swaps a
 * directory for a link atomically, in a loop). A path is resolved again at every open, and
 * O_NOFOLLOW covers only its last component, so no path below the root is ever opened here.
 *
 * Each directory is pinned by a handle (O_PATH | O_NOFOLLOW | O_DIRECTORY), and a child is reached
 * only as `/proc/self/fd/<pinned>/<name>`: the kernel jumps from that magic link to the pinned
 * directory itself, wherever it has been moved, and looks up one name that came from reading it.
 * A child is pinned with O_PATH | O_NOFOLLOW first, which opens nothing (no device driver's
 * open, no FIFO wait, no controlling terminal, no inotify event), and read only when fstat says
 * it is a regular file within bounds: reopened through `/proc/self/fd/<pin>`, which reaches
 * that same inode whatever its name has become since.
 *
 * Every bound holds inside a directory, not only between directories: a listing reads entry by
 * entry and stops at the per-directory and per-tree counts and at the deadline; files count
 * against a number of reads and a number of bytes. What a bound leaves unread, or an error that
 * is not about the entry itself (EMFILE, ENOMEM, EIO), makes the tree `incomplete`; the latter
 * also stops every further read, so a scan says "there may be more" instead of "nothing here".
 */

// fs.constants has no O_PATH, and Node hands a numeric flag to open(2) unchanged. 010000000 is
// asm-generic's value, used by every Linux architecture Node is built for (only alpha, parisc
// and sparc differ).
const O_PATH = (constants as Partial<Record<string, number>>).O_PATH ?? 0o10000000;
const PIN = O_PATH | constants.O_NOFOLLOW;
const PIN_DIRECTORY = PIN | constants.O_DIRECTORY;
// No O_NOFOLLOW: the path is the kernel's magic link to a pinned regular file (O_NOFOLLOW would
// refuse the magic link itself with ELOOP), and it leads to that inode, not to a name.
const READ = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Errors that say the entry is not there or not readable as asked: it is read as absent. */
const ABSENT = new Set([
  "ENOENT",
  "ENOTDIR",
  "ELOOP",
  "EACCES",
  "EPERM",
  "ENXIO",
  "ENODEV",
  "EISDIR",
  "EINVAL",
  "ENAMETOOLONG",
  "ESTALE",
]);

export interface TreeLimits {
  /** Time from opening the tree until every read answers "absent". */
  readonly ms: number;
  /** Files read and directories listed. */
  readonly reads: number;
  /** Directory entries read, over the whole tree. */
  readonly entries: number;
  /** Directory entries read from any one directory. */
  readonly entriesPerDirectory: number;
  /** File bytes read, over the whole tree. */
  readonly bytes: number;
}

/** A directory pinned by a handle, valid until the call that handed it out returns. */
export class TenantDir {
  readonly #handle: FileHandle;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /**
   * Its descriptor. Refused once let go: the number may already name another file the daemon
   * opened, and a path through it would read that file's directory, not the tenant's.
   */
  get fd(): number {
    if (this.#handle.fd < 0) throw new Error("a tenant directory was used after it was let go");
    return this.#handle.fd;
  }
}

export interface TenantEntry {
  readonly name: string;
  /** From the directory's own entry: a hint for what to try, never trusted for an open. */
  readonly kind: "directory" | "file" | "other";
}

const proc = (fd: number, name?: string) =>
  name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;

/** Components of a relative path this module builds ("objects/ab"); never tenant text with "/". */
function components(path: string): string[] {
  const parts = path.split("/");
  for (const part of parts)
    if (part === "" || part === "." || part === ".." || part.includes("\0") || part.length > 255)
      throw new Error(`not a relative path of plain names: ${JSON.stringify(path)}`);
  return parts;
}

/**
 * Opens the tree at `root`, a directory the host made (voxnix created the workspace), so its own
 * path is resolved as any host path is. Undefined when `root` is not a directory; rejects when it
 * is missing (ENOENT, as a dataset not mounted), and when /proc/self/fd does not lead back to
 * it: without /proc nothing below could be read, and an empty answer would look like "nothing".
 * The caller must `close()` the tree, in a finally.
 */
export async function openTenantTree(
  root: string,
  limits: TreeLimits,
): Promise<TenantTree | undefined> {
  if (process.platform !== "linux") throw new Error("tenant trees are read through Linux's /proc");
  const deadlineMs = Date.now() + limits.ms;
  const handle = await open(root, O_PATH);
  let kept = false;
  try {
    const own = await handle.stat();
    if (!own.isDirectory()) return undefined;
    const seen = await stat(proc(handle.fd));
    if (seen.dev !== own.dev || seen.ino !== own.ino)
      throw new Error(`/proc/self/fd does not lead back to ${root}: is /proc mounted?`);
    kept = true;
    return new TenantTree(handle, limits, deadlineMs);
  } finally {
    if (!kept) await handle.close();
  }
}

export class TenantTree {
  readonly root: TenantDir;
  #incomplete = false;
  #stopped = false;
  #reads: number;
  #entries: number;
  #bytes: number;
  readonly #handles = new Set<FileHandle>();
  readonly #dirs = new Set<Dir>();

  /** Use openTenantTree. */
  constructor(
    root: FileHandle,
    private readonly limits: TreeLimits,
    private readonly deadlineMs: number,
  ) {
    this.#handles.add(root);
    this.root = new TenantDir(root);
    this.#reads = limits.reads;
    this.#entries = limits.entries;
    this.#bytes = limits.bytes;
  }

  /** Something was left unread for want of budget, or for an error the tree could not read past. */
  get incomplete(): boolean {
    return this.#incomplete;
  }

  /**
   * Runs `fn` on the directory at `path` below `parent` (plain names joined by "/", each one
   * pinned in turn, a link anywhere refused), and lets it go when `fn` settles. Undefined, without
   * calling `fn`, when any component is not a directory.
   */
  async within<T>(
    parent: TenantDir,
    path: string,
    fn: (dir: TenantDir) => Promise<T>,
  ): Promise<T | undefined> {
    const pinned: FileHandle[] = [];
    try {
      let dir = parent;
      for (const name of components(path)) {
        if (!this.#inTime()) return undefined;
        // O_DIRECTORY is the kernel's check that the name is a directory, made on the same
        // lookup as the open, and O_NOFOLLOW makes a link fail it (ENOTDIR).
        const handle = await this.#open(proc(dir.fd, name), PIN_DIRECTORY);
        if (!handle) return undefined;
        pinned.push(handle);
        dir = new TenantDir(handle);
      }
      return await fn(dir);
    } finally {
      for (const handle of pinned.reverse()) await this.#close(handle);
    }
  }

  /**
   * The entries of `dir`, read one at a time so that no bound is passed inside a huge directory:
   * at most `entriesPerDirectory`, fewer when the tree's entries or time run out (then the tree
   * is incomplete). Empty when the directory cannot be read.
   */
  async list(dir: TenantDir): Promise<TenantEntry[]> {
    if (!this.#spendRead()) return [];
    const path = proc(dir.fd);
    let handle: Dir;
    try {
      // opendir(3) adds O_DIRECTORY, and the magic link leads to the pinned directory's inode.
      handle = await opendir(path, { bufferSize: 64 });
    } catch (error) {
      return this.#absent(error) ?? [];
    }
    this.#dirs.add(handle);
    const entries: TenantEntry[] = [];
    try {
      for (;;) {
        if (entries.length >= this.limits.entriesPerDirectory || !this.#spendEntry()) {
          this.#incomplete = true;
          break;
        }
        const entry = await handle.read();
        if (entry === null) break;
        entries.push({ name: entry.name, kind: kindOf(entry) });
      }
    } catch (error) {
      // A listing cut short is not a short directory, whatever the error said.
      this.#incomplete = true;
      this.#absent(error);
    } finally {
      this.#dirs.delete(handle);
      await handle.close().catch(() => undefined);
    }
    return entries;
  }

  /**
   * The content of the regular file at `path` below `dir` (plain names joined by "/"), if it is
   * at most `maxBytes` and the tree's reads and bytes allow; undefined for anything else: a
   * link, a FIFO, a socket, a device, a directory, a file too big.
   */
  async read(dir: TenantDir, path: string, maxBytes: number): Promise<Buffer | undefined> {
    if (!this.#spendRead()) return undefined;
    const parts = components(path);
    const name = parts.pop() as string;
    if (parts.length > 0)
      return this.within(dir, parts.join("/"), (parent) => this.#readFile(parent, name, maxBytes));
    return this.#readFile(dir, name, maxBytes);
  }

  /**
   * What the entry `name` of `dir` is, and its size, from the entry itself (a link is a link):
   * pinned with O_PATH, which opens nothing, and let go at once. Undefined when it is gone.
   */
  async stat(
    dir: TenantDir,
    name: string,
  ): Promise<{ kind: TenantEntry["kind"]; size: number } | undefined> {
    const [plain] = components(name);
    if (plain !== name || !this.#inTime()) return undefined;
    const pinned = await this.#open(proc(dir.fd, name), PIN);
    if (!pinned) return undefined;
    try {
      const info = await pinned.stat();
      const kind = info.isDirectory() ? "directory" : info.isFile() ? "file" : "other";
      return { kind, size: info.size };
    } catch (error) {
      return this.#absent(error);
    } finally {
      await this.#close(pinned);
    }
  }

  /**
   * Closes every handle still open, whatever was cut short by an exception, and answers every
   * later call with "absent".
   */
  async close(): Promise<void> {
    this.#stopped = true;
    for (const dir of this.#dirs) await dir.close().catch(() => undefined);
    this.#dirs.clear();
    for (const handle of this.#handles) await handle.close().catch(() => undefined);
    this.#handles.clear();
  }

  async #readFile(dir: TenantDir, name: string, maxBytes: number) {
    const pinned = await this.#open(proc(dir.fd, name), PIN);
    if (!pinned) return undefined;
    let file: FileHandle | undefined;
    try {
      const info = await pinned.stat();
      const size = info.size;
      if (!info.isFile() || size > maxBytes) return undefined;
      if (size > this.#bytes) {
        this.#incomplete = true;
        return undefined;
      }
      this.#bytes -= size;
      file = await this.#open(proc(pinned.fd), READ);
      if (!file) return undefined;
      // Bounded by the size seen on the pin: a file that grows since is read as far as that.
      const buffer = Buffer.alloc(size);
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await file.read(buffer, filled, size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      return this.#absent(error);
    } finally {
      if (file) await this.#close(file);
      await this.#close(pinned);
    }
  }

  async #open(path: string, flags: number): Promise<FileHandle | undefined> {
    if (this.#stopped) return undefined;
    try {
      const handle = await open(path, flags);
      this.#handles.add(handle);
      return handle;
    } catch (error) {
      return this.#absent(error);
    }
  }

  async #close(handle: FileHandle) {
    this.#handles.delete(handle);
    await handle.close().catch(() => undefined);
  }

  /**
   * An error about the entry reads it as absent. A file held under a write lease by the tenant
   * answers EAGAIN at once (O_NONBLOCK; without it the open would wait for the lease to break,
   * 45 s by default): left unread, the tree incomplete. Out of file descriptors or memory, an
   * I/O error: not the entry's doing, and no reason to call anything absent, so the tree stops
   * reading and the answer is "incomplete", not "nothing here".
   */
  #absent(error: unknown): undefined {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (ABSENT.has(code)) return undefined;
    this.#incomplete = true;
    if (code !== "EAGAIN") this.#stopped = true;
    return undefined;
  }

  #inTime(): boolean {
    if (this.#stopped) return false;
    if (Date.now() > this.deadlineMs) {
      this.#incomplete = true;
      this.#stopped = true;
      return false;
    }
    return true;
  }

  #spendRead(): boolean {
    if (!this.#inTime()) return false;
    if (this.#reads <= 0) {
      this.#incomplete = true;
      return false;
    }
    this.#reads--;
    return true;
  }

  #spendEntry(): boolean {
    if (!this.#inTime() || this.#entries <= 0) return false;
    this.#entries--;
    return true;
  }
}

function kindOf(entry: Dirent): TenantEntry["kind"] {
  if (entry.isDirectory()) return "directory";
  if (entry.isFile()) return "file";
  return "other";
}
