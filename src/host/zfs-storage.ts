import { FORK_SNAPSHOT_PREFIX, type Storage, type UserSpace } from "./storage.js";
import { isDependentClones, isMissingDataset, type Zfs } from "./zfs.js";

/**
 * Workspaces as ZFS datasets:
 *
 *   <pool>/users/<uid>                    quota, voxnix:owner, mountpoint=/<pool>/users/<uid>
 *   <pool>/users/<uid>/containers/<name>  a container's /workspace
 *   <pool>/users/<uid>/trash/<id>         a destroyed container's workspace, restorable
 *   <pool>/users/<uid>/rollback/<name>    a snapshot's clone while a rollback swaps it in
 *
 * Only the user dataset has an explicit (native) mountpoint; everything below inherits it, so a
 * rename into trash moves the mount with the data and no legacy mountpoints are mixed in.
 */
export function zfsStorage(
  zfs: Zfs,
  options: {
    pool: string;
    userQuotaBytes: number;
    /** chown of a mounted dataset's root, where the mount is (the host's mount namespace). */
    chown: (path: string, hostUid: number) => Promise<unknown>;
    /** A mounted dataset's whole tree given to one user range (ownership-shift.ts). */
    shiftOwnership: (path: string, base: number) => Promise<unknown>;
  },
): Storage {
  const root = `${options.pool}/users`;
  const userDataset = (uid: number) => `${root}/${uid}`;
  const workspaceDataset = (uid: number, name: string) => `${userDataset(uid)}/containers/${name}`;
  const trashDataset = (uid: number, id: string) => `${userDataset(uid)}/trash/${id}`;
  const rollbackDataset = (uid: number, name: string) => `${userDataset(uid)}/rollback/${name}`;
  const mountpointOf = (dataset: string) => `/${dataset}`;

  async function ensureUser(uid: number) {
    const dataset = userDataset(uid);
    if (await zfs.exists(dataset)) return;
    try {
      await zfs.create(dataset, {
        parents: true,
        properties: {
          quota: String(options.userQuotaBytes),
          mountpoint: mountpointOf(dataset),
          "voxnix:owner": String(uid),
        },
      });
    } catch (error) {
      // Two first creates of one user at once: both saw no dataset, the other made it first
      // (zfs create refuses an existing dataset, -p or not). Theirs is the same dataset.
      if (!(await zfs.exists(dataset))) throw error;
    }
  }

  return {
    backend: "zfs",
    async createWorkspace(uid, name) {
      await ensureUser(uid);
      const dataset = workspaceDataset(uid, name);
      await zfs.create(dataset, { parents: true, properties: { "voxnix:container": name } });
      return mountpointOf(dataset);
    },
    workspacePath: (uid, name) => mountpointOf(workspaceDataset(uid, name)),
    giveTo: async (uid, name, hostUid) => {
      await options.chown(mountpointOf(workspaceDataset(uid, name)), hostUid);
    },
    ensureMounted: (uid, name) => zfs.ensureMounted(workspaceDataset(uid, name)),
    removeWorkspace: (uid, name) => zfs.destroyKeepingClones(workspaceDataset(uid, name)),
    async moveToTrash(uid, name, id) {
      const trash = `${userDataset(uid)}/trash`;
      if (!(await zfs.exists(trash))) await zfs.create(trash);
      await zfs.rename(workspaceDataset(uid, name), trashDataset(uid, id));
    },
    async restoreFromTrash(uid, id, name) {
      const containers = `${userDataset(uid)}/containers`;
      if (!(await zfs.exists(containers))) await zfs.create(containers);
      await zfs.rename(trashDataset(uid, id), workspaceDataset(uid, name));
      await zfs.set(workspaceDataset(uid, name), "voxnix:container", name);
      return mountpointOf(workspaceDataset(uid, name));
    },
    async purgeTrash(uid, id, before) {
      const dataset = trashDataset(uid, id);
      const origin = before
        ? before.snapshot
        : await zfs.origin(dataset).catch((error: unknown) => {
            if (isMissingDataset(error)) return undefined;
            throw error;
          });
      await zfs.destroyKeepingClones(dataset);
      // A fork's snapshot of its source: of no use once the fork is gone, unless another
      // clone needs it (zfs refuses then, and it stays).
      const [source, snapshot = ""] = origin?.split("@") ?? [];
      if (source && snapshot.startsWith(FORK_SNAPSHOT_PREFIX))
        await zfs.destroySnapshot(source, snapshot).catch((error: unknown) => {
          if (!isDependentClones(error) && !isMissingDataset(error)) throw error;
        });
    },
    snapshots: {
      async trashOrigin(uid, id) {
        try {
          return await zfs.origin(trashDataset(uid, id));
        } catch (error) {
          if (isMissingDataset(error)) return undefined;
          throw error;
        }
      },
      list: async (uid, name) =>
        (await zfs.snapshots(workspaceDataset(uid, name))).map((s) => ({
          name: s.name,
          createdAt: s.createdAt,
          usedBytes: s.usedBytes,
          clones: s.clones.length,
        })),
      take: (uid, name, snapshot) => zfs.snapshot(workspaceDataset(uid, name), snapshot),
      remove: (uid, name, snapshot) => zfs.destroySnapshot(workspaceDataset(uid, name), snapshot),
      async cloneForRollback(uid, name, snapshot) {
        const parent = `${userDataset(uid)}/rollback`;
        if (!(await zfs.exists(parent))) await zfs.create(parent);
        await zfs.clone(workspaceDataset(uid, name), snapshot, rollbackDataset(uid, name));
      },
      async cloneInto(uid, source, snapshot, name) {
        const dataset = workspaceDataset(uid, name);
        await zfs.clone(workspaceDataset(uid, source), snapshot, dataset);
        await zfs.set(dataset, "voxnix:container", name);
        return mountpointOf(dataset);
      },
      async shiftOwnership(uid, name, base) {
        await options.shiftOwnership(mountpointOf(workspaceDataset(uid, name)), base);
      },
      promoteRollback: (uid, name) => zfs.promote(rollbackDataset(uid, name)),
      async installRollback(uid, name) {
        await zfs.rename(rollbackDataset(uid, name), workspaceDataset(uid, name));
        await zfs.set(workspaceDataset(uid, name), "voxnix:container", name);
        return mountpointOf(workspaceDataset(uid, name));
      },
      discardRollback: (uid, name) => zfs.destroyRecursive(rollbackDataset(uid, name)),
      async rollbackState(uid, name, trashId) {
        const clone = rollbackDataset(uid, name);
        const [cloneExists, workspace, inTrash] = await Promise.all([
          zfs.exists(clone),
          zfs.exists(workspaceDataset(uid, name)),
          zfs.exists(trashDataset(uid, trashId)),
        ]);
        // Cloned, it depends on a snapshot of the workspace; promoted, no longer (the workspace
        // depends on it instead, or, once in the trash, the old workspace does).
        const origin = cloneExists ? await zfs.origin(clone) : undefined;
        return {
          clone: !cloneExists
            ? "none"
            : origin?.startsWith(`${workspaceDataset(uid, name)}@`)
              ? "made"
              : "promoted",
          workspace,
          inTrash,
        };
      },
    },
    async scan() {
      const rows = await zfs.list(root, ["used", "available", "quota"]);
      const spaces = new Map<
        number,
        {
          quotaBytes: number | undefined;
          usedBytes: number;
          availableBytes: number | undefined;
          workspaces: Map<string, number>;
          trash: Map<string, number>;
        }
      >();
      for (const row of rows) {
        const parts = row.name.slice(root.length + 1).split("/");
        const uid = Number(parts[0]);
        if (!Number.isSafeInteger(uid) || uid <= 0) continue;
        if (parts.length === 1) {
          const quota = Number(row.quota);
          spaces.set(uid, {
            quotaBytes: quota > 0 ? quota : undefined,
            usedBytes: Number(row.used),
            availableBytes: Number(row.available),
            workspaces: spaces.get(uid)?.workspaces ?? new Map(),
            trash: spaces.get(uid)?.trash ?? new Map(),
          });
        } else if (parts.length === 3 && (parts[1] === "containers" || parts[1] === "trash")) {
          const space = spaces.get(uid);
          const bucket = parts[1] === "containers" ? space?.workspaces : space?.trash;
          bucket?.set(parts[2] as string, Number(row.used));
        }
      }
      return spaces as ReadonlyMap<number, UserSpace>;
    },
  };
}
