import { lchown, lstat, opendir } from "node:fs/promises";
import { join } from "node:path";
import { FIRST_UID_BASE, UID_RANGE, UID_RANGES_END } from "./container-files.js";

/** What a shift found and changed: for the log, and for tests. */
export interface ShiftReport {
  readonly entries: number;
  readonly shifted: number;
}

/**
 * Gives a tree to one container's user range: every uid and gid of another container's range
 * becomes the same offset in `base`'s, as nspawn's --private-users-ownership=chown does for a
 * container's root directory (by the low 16 bits: its nspawn-patch-uid.c), which does not
 * reach a bind-mounted workspace. A fork's clone is owned by its source's range until this
 * runs, and so is a fork's snapshot from before it was forked, rolled back to.
 *
 * Safe on a tenant's tree: entries are read with lstat and changed with lchown, so a symlink is
 * changed itself and never followed; directories are entered by their own type, never through a
 * link, and never onto another file system; ids outside the containers' ranges (the host's,
 * nobody's) are left as they are. The root is changed last, so a root already in the range
 * means a walk that finished: the next call returns at once (a rollback of the container's own
 * snapshot walks nothing), and a walk cut off is done again whole. chown clears setuid and
 * setgid bits and file capabilities; they are not put back (the daemon's unit forbids setting
 * them: RestrictSUIDSGID), as a copy without -p would not keep them either. POSIX ACL entries
 * naming users are not rewritten (Node reads no xattrs). A path longer than PATH_MAX fails.
 */
export async function shiftOwnership(root: string, base: number): Promise<ShiftReport> {
  const ours = (id: number) => id >= base && id < base + UID_RANGE;
  const shift = (id: number) =>
    id >= FIRST_UID_BASE && id < UID_RANGES_END && !ours(id)
      ? base + ((id - FIRST_UID_BASE) % UID_RANGE)
      : id;
  const top = await lstat(root).catch((error: unknown) => {
    // No directory, no files: nothing of anyone's to give (a dataset the caller did not mount).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  });
  if (!top) return { entries: 0, shifted: 0 };
  if (!top.isDirectory()) throw new Error(`${root} is not a directory`);
  if (ours(top.uid)) return { entries: 1, shifted: 0 };
  let entries = 0;
  let shifted = 0;
  const change = async (path: string, st: { uid: number; gid: number }) => {
    const [uid, gid] = [shift(st.uid), shift(st.gid)];
    if (uid === st.uid && gid === st.gid) return;
    await lchown(path, uid, gid);
    shifted++;
  };
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    entries++;
    if (st.dev !== top.dev) return;
    if (path !== root) await change(path, st);
    if (!st.isDirectory()) return;
    // Entry by entry: a directory of millions holds no more than one in memory.
    for await (const entry of await opendir(path)) await visit(join(path, entry.name));
  };
  await visit(root);
  await change(root, top);
  return { entries, shifted };
}
