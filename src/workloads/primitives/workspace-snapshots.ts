// What every operation on workspace snapshots shares: the names people and voxnix give them,
// the snapshot adapter (ZFS only), and the container they may be taken of.
import { FORK_SNAPSHOT_PREFIX, type WorkspaceSnapshots } from "../../host/index.js";
import type { Container } from "./records.js";
import { authorize, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/** A snapshot's name as people give it: short, and safe in a ZFS name and a chat command. */
export const SNAPSHOT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
/**
 * A snapshot as people refer to one: a name of theirs, or the name a snapshot inherited from a
 * purged workspace took because the workspace it moved into had one of its name (`v2.dev-…`,
 * host/zfs.ts inheritedName). Only a purge makes those: nobody can take one.
 */
export const SNAPSHOT_REF = /^[a-z0-9][a-z0-9-]{0,31}(?:\.[a-z0-9][a-z0-9-]{0,39}){0,4}$/;
/** Rollback's safety snapshot, taken of the state it replaces (which goes to the trash). */
export const SAFETY_PREFIX = "before-rollback-";
/** The snapshot a fork is cloned from when none is named: it lives as long as the fork. */
export const FORK_PREFIX = FORK_SNAPSHOT_PREFIX;
/** Snapshots voxnix takes for itself: not counted against the cap, and no name of a user's. */
export const OWN_PREFIXES = [SAFETY_PREFIX, FORK_PREFIX];
export const isVoxnixOwn = (snapshot: string) => OWN_PREFIXES.some((p) => snapshot.startsWith(p));
/** "20261202t091500": when, readable and sortable, for snapshots nobody named. */
export const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "")
    .toLowerCase();

/**
 * Snapshots need ZFS: a plain directory has no copy that costs nothing. `what` is what the
 * person asked for, as the refusal names it (a fork is a clone of a snapshot).
 */
export function snapshotsOf(
  deps: WorkloadDeps,
  what: "Snapshots" | "Forks" | "Rollbacks" = "Snapshots",
): WorkspaceSnapshots {
  const snapshots = deps.host.storage.snapshots;
  if (!snapshots)
    throw new Refusal(
      "unavailable",
      `${what} need ZFS storage; this host keeps workspaces in plain directories (VOXNIX_STORAGE=dir), where each copy would be a full one.`,
    );
  return snapshots;
}

/** A settled container of the actor's (or any, for admins), for a snapshot or a rollback. */
export function settled(deps: WorkloadDeps, actor: Actor, name: string): Container {
  const container = authorize(actor, name, deps.store.containers.find(name));
  if (container.state !== "running" && container.state !== "stopped")
    throw new Refusal("conflict", `"${name}" is being ${container.state}; try again in a moment.`);
  return container;
}
