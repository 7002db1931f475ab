import { lchown, lstat, opendir } from "node:fs/promises";
import { join } from "node:path";
import { UID_RANGE } from "./container-files.js";

/** What a shift found and changed: for the log, and for tests. */
export interface ShiftReport {
  readonly entries: number;
  readonly shifted: number;
}

/**
 * Gives a tree owned by one container's user range to another's: every uid and gid in
 * [from, from + 65536) becomes the same offset above `to`, as nspawn's
 * --private-users-ownership=chown does for a container's root directory (its nspawn-patch-uid.c),
 * which does not reach a bind-mounted workspace. A fork's workspace is a clone of its source's,
 * owned by the source's range until this runs.
 *
 * Safe on a tenant's tree: entries are read with lstat and changed with lchown, so a symlink is
 * changed itself and never followed; directories are entered by their own type, never through a
 * link, and never onto another file system; ids outside the source range (nobody's, the host's)
 * are left as they are. Ranges never overlap, so an entry already shifted (a hard link seen
 * twice, a shift cut off and run again) is not in the source range and stays: the walk is
 * idempotent. chown clears setuid and setgid bits and file capabilities; they are not put back
 * (the daemon's unit forbids setting them: RestrictSUIDSGID), as a copy without -p would not
 * keep them either. POSIX ACL entries naming users are not rewritten (Node reads no xattrs):
 * such a user reads as nobody in the fork. A path longer than PATH_MAX fails the walk.
 */
export async function shiftOwnership(root: string, from: number, to: number): Promise<ShiftReport> {
  const shift = (id: number) => (id >= from && id < from + UID_RANGE ? id - from + to : id);
  const top = await lstat(root);
  if (!top.isDirectory()) throw new Error(`${root} is not a directory`);
  let entries = 0;
  let shifted = 0;
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    entries++;
    if (st.dev !== top.dev) return;
    const uid = shift(st.uid);
    const gid = shift(st.gid);
    if (uid !== st.uid || gid !== st.gid) {
      await lchown(path, uid, gid);
      shifted++;
    }
    if (!st.isDirectory()) return;
    // Entry by entry: a directory of millions holds no more than one in memory.
    for await (const entry of await opendir(path)) await visit(join(path, entry.name));
  };
  await visit(root);
  return { entries, shifted };
}
