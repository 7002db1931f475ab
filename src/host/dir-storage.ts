import { chown, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Storage, UserSpace } from "./storage.js";
import { openTenantTree, type TenantDir } from "./tenant-tree.js";

/**
 * Workspaces as plain directories under `root` (VOXNIX_STORAGE=dir), for hosts without ZFS:
 * same layout as ZFS (`<uid>/containers/<name>`, `<uid>/trash/<id>`), no quota.
 */
export function dirStorage(root: string, limits: ScanLimits = SCAN_LIMITS): Storage {
  const userDir = (uid: number) => join(root, String(uid));
  const workspaceDir = (uid: number, name: string) => join(userDir(uid), "containers", name);
  const trashDir = (uid: number, id: string) => join(userDir(uid), "trash", id);

  return {
    backend: "dir",
    async createWorkspace(uid, name) {
      const dir = workspaceDir(uid, name);
      await mkdir(join(userDir(uid), "containers"), { recursive: true, mode: 0o755 });
      await mkdir(dir, { mode: 0o755 }); // throws EEXIST rather than adopting a stranger's files
      return dir;
    },
    workspacePath: workspaceDir,
    // Only root may give files away; dir storage also serves development as a user.
    giveTo: async (uid, name, hostUid) => {
      if (process.getuid?.() === 0) await chown(workspaceDir(uid, name), hostUid, hostUid);
    },
    ensureMounted: async () => {},
    removeWorkspace: (uid, name) => rm(workspaceDir(uid, name), { recursive: true, force: true }),
    async moveToTrash(uid, name, id) {
      await mkdir(join(userDir(uid), "trash"), { recursive: true });
      await rename(workspaceDir(uid, name), trashDir(uid, id));
    },
    async restoreFromTrash(uid, id, name) {
      await mkdir(join(userDir(uid), "containers"), { recursive: true });
      await rename(trashDir(uid, id), workspaceDir(uid, name));
      return workspaceDir(uid, name);
    },
    purgeTrash: (uid, id) => rm(trashDir(uid, id), { recursive: true, force: true }),
    async scan() {
      const deadline = Date.now() + limits.ms;
      const spaces = new Map<number, UserSpace>();
      for (const entry of await entries(root)) {
        const uid = Number(entry);
        if (!Number.isSafeInteger(uid) || uid <= 0) continue;
        const workspaces = await sizes(join(userDir(uid), "containers"), limits, deadline);
        const trash = await sizes(join(userDir(uid), "trash"), limits, deadline);
        const usedBytes = [...workspaces.values(), ...trash.values()].reduce((a, b) => a + b, 0);
        spaces.set(uid, {
          quotaBytes: undefined,
          usedBytes,
          availableBytes: undefined,
          workspaces,
          trash,
        });
      }
      return spaces;
    },
  };
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * What one scan may look at: entries per workspace or trash entry, time for the whole scan. The
 * trees are the tenants': whatever they hold (a million files, a tree deeper than any real one),
 * a scan ends within these, and sizes past them are lower bounds (`dir` storage has no quota to
 * enforce; its sizes are for people to read).
 */
export const SCAN_LIMITS = { entries: 200_000, ms: 3_000 } as const;
export type ScanLimits = { readonly entries: number; readonly ms: number };

async function sizes(dir: string, limits: ScanLimits, deadline: number) {
  const result = new Map<string, number>();
  for (const name of await entries(dir))
    result.set(name, await treeSize(join(dir, name), limits, deadline));
  return result;
}

/**
 * Bytes in a workspace or trash entry, which its tenant may change while it is read: walked by
 * handles (tenant-tree.ts), so a directory swapped for a link never makes the walk size a host
 * directory, and links count as links. Past the limits a size is a lower bound.
 */
async function treeSize(path: string, limits: ScanLimits, deadline: number): Promise<number> {
  const ms = deadline - Date.now();
  if (ms <= 0) return 0;
  const tree = await openTenantTree(path, {
    ms,
    reads: limits.entries,
    entries: limits.entries,
    entriesPerDirectory: limits.entries,
    bytes: 0,
  }).catch(() => undefined);
  if (!tree) return 0;
  const walk = async (dir: TenantDir): Promise<number> => {
    let total = 0;
    for (const entry of await tree.list(dir)) {
      const info = await tree.stat(dir, entry.name);
      if (info?.kind === "directory")
        total += info.size + ((await tree.within(dir, entry.name, walk)) ?? 0);
      else total += info?.size ?? 0;
    }
    return total;
  };
  try {
    return await walk(tree.root);
  } finally {
    await tree.close();
  }
}
