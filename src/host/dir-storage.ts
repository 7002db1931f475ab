import { chown, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Storage, UserSpace } from "./storage.js";

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
      const budget = scanBudget(limits);
      const spaces = new Map<number, UserSpace>();
      for (const entry of await entries(root)) {
        const uid = Number(entry);
        if (!Number.isSafeInteger(uid) || uid <= 0) continue;
        const workspaces = await sizes(join(userDir(uid), "containers"), budget);
        const trash = await sizes(join(userDir(uid), "trash"), budget);
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
 * What one scan may look at. The trees are the tenants': whatever they hold (a million files, a
 * tree deeper than any real one), a scan ends within these, and sizes past them are lower bounds
 * (`dir` storage has no quota to enforce; its sizes are for people to read).
 */
export const SCAN_LIMITS = { entries: 200_000, ms: 3_000 } as const;
export type ScanLimits = { readonly entries: number; readonly ms: number };

function scanBudget(limits: ScanLimits) {
  const deadline = Date.now() + limits.ms;
  let left = limits.entries;
  return { spend: () => --left >= 0 && Date.now() < deadline };
}

async function sizes(dir: string, budget: ReturnType<typeof scanBudget>) {
  const result = new Map<string, number>();
  for (const name of await entries(dir)) result.set(name, await treeSize(join(dir, name), budget));
  return result;
}

/** Bytes in a directory tree: links are counted as links and never followed (a loop is one). */
async function treeSize(path: string, budget: ReturnType<typeof scanBudget>): Promise<number> {
  if (!budget.spend()) return 0;
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await entries(path)) total += await treeSize(join(path, name), budget);
  return total;
}
