/** One user's space: quota (undefined without one), usage, and what uses it. */
export interface UserSpace {
  readonly quotaBytes: number | undefined;
  readonly usedBytes: number;
  readonly availableBytes: number | undefined;
  /** Bytes used by each container's workspace, by container name. */
  readonly workspaces: ReadonlyMap<string, number>;
  /** Bytes used by each trashed workspace, by trash id. */
  readonly trash: ReadonlyMap<string, number>;
}

export interface WorkspaceSnapshot {
  readonly name: string;
  readonly createdAt: Date;
  /** What it holds that the workspace no longer does: what deleting it would free. */
  readonly usedBytes: number;
  /** Workspaces cloned from it (a rolled-back state in the trash): it cannot go before them. */
  readonly clones: number;
}

/**
 * The name a fork's own snapshot of its source starts with: taken for the fork, it goes when
 * the fork's workspace is purged and nothing else was cloned from it.
 */
export const FORK_SNAPSHOT_PREFIX = "fork-";

/**
 * Snapshots of a workspace, and the steps of a rollback to one, each idempotent so that a
 * rollback cut off anywhere can be finished from what `rollbackState` finds. A rollback never
 * deletes: `zfs rollback -r` would destroy every later snapshot, so the snapshot is cloned
 * beside the workspace (<user>/rollback/<name>), the clone promoted (the snapshots up to it
 * become its own), the old workspace moved to the trash (moveToTrash), and the clone put in
 * its place.
 */
export interface WorkspaceSnapshots {
  list(ownerId: number, name: string): Promise<WorkspaceSnapshot[]>;
  /** The snapshot (`dataset@name`) a trashed workspace was cloned from; undefined for none. */
  trashOrigin(ownerId: number, trashId: string): Promise<string | undefined>;
  take(ownerId: number, name: string, snapshot: string): Promise<void>;
  remove(ownerId: number, name: string, snapshot: string): Promise<void>;
  /**
   * A fork's workspace: a clone of `source`'s snapshot as workspace `name`, labelled as its
   * own; its host path. The clone depends on the snapshot (removeWorkspace and purgeTrash
   * promote it before its origin goes).
   */
  cloneInto(ownerId: number, source: string, snapshot: string, name: string): Promise<string>;
  /** Gives workspace `name`'s files of other containers' user ranges to the one at `base`. */
  shiftOwnership(ownerId: number, name: string, base: number): Promise<void>;
  cloneForRollback(ownerId: number, name: string, snapshot: string): Promise<void>;
  promoteRollback(ownerId: number, name: string): Promise<void>;
  /** Puts the promoted clone in the workspace's place (once the old one is in the trash). */
  installRollback(ownerId: number, name: string): Promise<string>;
  /** Destroys a clone that was not promoted: the workspace is as it was. */
  discardRollback(ownerId: number, name: string): Promise<void>;
  rollbackState(
    ownerId: number,
    name: string,
    trashId: string,
  ): Promise<{
    /** No clone, one made from the snapshot, or one promoted (the swap must go on). */
    readonly clone: "none" | "made" | "promoted";
    readonly workspace: boolean;
    readonly inTrash: boolean;
  }>;
}

/**
 * Where workspaces live: ZFS datasets with a per-user quota, or plain directories on hosts
 * without ZFS. Each user has `containers/<name>` and `trash/<id>`, so trash counts against the
 * same quota as live workspaces. Names reaching here are validated container names and ids.
 */
export interface Storage {
  readonly backend: "zfs" | "dir";
  /** Creates a new container's workspace (and the user's space on first use); its host path. */
  createWorkspace(ownerId: number, name: string): Promise<string>;
  workspacePath(ownerId: number, name: string): string;
  /** Gives a new workspace's root directory to host uid and gid `hostUid` (a container's root). */
  giveTo(ownerId: number, name: string, hostUid: number): Promise<void>;
  /** Mounts survive reboots only if something mounts them; starting a container calls this. */
  ensureMounted(ownerId: number, name: string): Promise<void>;
  /** Deletes a workspace for good (rollback of a create); a missing one is not an error. */
  removeWorkspace(ownerId: number, name: string): Promise<void>;
  moveToTrash(ownerId: number, name: string, trashId: string): Promise<void>;
  /** Moves a trashed workspace back as the workspace of container `name`; its host path. */
  restoreFromTrash(ownerId: number, trashId: string, name: string): Promise<string>;
  /**
   * Deletes a trashed workspace, promoting the clones made from it first. `origin` is the
   * snapshot it was cloned from as read before the purge began (snapshots.trashOrigin): after a
   * promote its origin is a snapshot of the promoted clone's, which is not the purge's to delete.
   */
  purgeTrash(
    ownerId: number,
    trashId: string,
    origin?: { readonly snapshot: string | undefined },
  ): Promise<void>;
  /** Snapshots and rollback: ZFS only (a directory has no cheap snapshot). */
  readonly snapshots?: WorkspaceSnapshots;
  /** Every user's space in one pass (one `zfs list` on ZFS). */
  scan(): Promise<ReadonlyMap<number, UserSpace>>;
}

/** Trash ids: the container's name and when it was trashed, readable and sortable. */
export function trashIdFor(name: string, at: Date): string {
  return `${name}-${at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "")}`.toLowerCase();
}
