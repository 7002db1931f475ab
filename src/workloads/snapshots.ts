import {
  FORK_SNAPSHOT_PREFIX,
  type WorkspaceSnapshot,
  type WorkspaceSnapshots,
} from "../host/index.js";
import { isDependentClones } from "../host/zfs.js";
import type { Container } from "./records.js";
import { authorize, type Actor } from "./actor.js";
import { auditTrail, failureOf, outcomeOf } from "./audit.js";
import { requestConfirmation } from "./confirmations.js";
import type { WorkloadDeps } from "./deps.js";
import { beginOperation, type Lease } from "./lease.js";
import { parseOrRefuse, Refusal } from "./refusal.js";
import { NameInput } from "./spec.js";
import { assertStorageLeft } from "./storage-left.js";

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
const OWN_PREFIXES = [SAFETY_PREFIX, FORK_PREFIX];
const isVoxnixOwn = (snapshot: string) => OWN_PREFIXES.some((p) => snapshot.startsWith(p));
/** How long a rollback confirmation stays valid. */
export const ROLLBACK_CONFIRMATION_TTL_MS = 5 * 60_000;

export type SnapshotEntry = WorkspaceSnapshot;

/** "20261202t091500": when, readable and sortable, for snapshots nobody named. */
export const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "")
    .toLowerCase();

/** Snapshots need ZFS: a plain directory has no copy that costs nothing. */
export function snapshotsOf(deps: WorkloadDeps): WorkspaceSnapshots {
  const snapshots = deps.host.storage.snapshots;
  if (!snapshots)
    throw new Refusal(
      "unavailable",
      "Snapshots need ZFS storage; this host keeps workspaces in plain directories (VOXNIX_STORAGE=dir), where each would be a full copy.",
    );
  return snapshots;
}

function parseSnapshotName(text: string, pattern = SNAPSHOT_NAME): string {
  if (!pattern.test(text))
    throw new Refusal(
      "invalid-input",
      `A snapshot name is 1 to 32 lowercase letters, digits and dashes, starting with a letter or digit; not "${text.slice(0, 40)}".`,
    );
  return text;
}

/** A settled container of the actor's (or any, for admins), for a snapshot or a rollback. */
export function settled(deps: WorkloadDeps, actor: Actor, name: string): Container {
  const container = authorize(actor, name, deps.store.containers.find(name));
  if (container.state !== "running" && container.state !== "stopped")
    throw new Refusal("conflict", `"${name}" is being ${container.state}; try again in a moment.`);
  return container;
}

/** `/snapshots NAME`: a container's snapshots, oldest first, with what each holds on its own. */
export async function listSnapshots(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
): Promise<SnapshotEntry[]> {
  const { name } = parseOrRefuse(NameInput, input);
  const container = authorize(actor, name, deps.store.containers.find(name));
  return snapshotsOf(deps).list(container.ownerId, name);
}

/**
 * `/snapshot NAME [label]`: the workspace as it is now, kept until deleted (and counted against
 * the owner's quota as the workspace moves away from it), up to the per-container cap.
 */
export async function takeSnapshot(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput & { snapshot?: string },
): Promise<SnapshotEntry> {
  const { name } = parseOrRefuse(NameInput, input);
  const snapshot = parseSnapshotName(input.snapshot ?? stamp(deps.now()));
  // voxnix's own snapshots are not counted against the cap: a name of theirs would slip past it.
  if (isVoxnixOwn(snapshot))
    throw new Refusal(
      "invalid-input",
      `Snapshot names starting with ${OWN_PREFIXES.map((p) => `"${p}"`).join(" or ")} are voxnix's own; choose another.`,
    );
  const snapshots = snapshotsOf(deps);
  const audit = auditTrail(deps, { actor, action: "snapshot", target: name });
  let lease: Lease;
  let container: Container;
  try {
    [container, lease] = deps.store.transaction(() => {
      const container = settled(deps, actor, name);
      const lease = beginOperation(deps, {
        kind: "snapshot",
        container: name,
        ownerId: container.ownerId,
        actor,
      });
      return [container, lease] as const;
    });
  } catch (error) {
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }
  try {
    const existing = await snapshots.list(container.ownerId, name);
    const own = existing.filter((s) => !isVoxnixOwn(s.name));
    if (existing.some((s) => s.name === snapshot))
      throw new Refusal("name-taken", `${name} already has a snapshot named ${snapshot}.`);
    await assertStorageLeft(deps, container.ownerId);
    if (own.length >= deps.limits.snapshotsPerContainer)
      throw new Refusal(
        "limit",
        `${name} has ${own.length} snapshots, as many as one container may keep. /snapshots ${name} lists them; /deletesnapshot ${name} SNAPSHOT makes room.`,
      );
    await snapshots.take(container.ownerId, name, snapshot);
    const taken = (await snapshots.list(container.ownerId, name)).find((s) => s.name === snapshot);
    audit("ok", { snapshot });
    return taken ?? { name: snapshot, createdAt: new Date(deps.now()), usedBytes: 0, clones: 0 };
  } catch (error) {
    audit(outcomeOf(error), { snapshot, ...failureOf(error) });
    throw error;
  } finally {
    lease.end();
  }
}

/** `/deletesnapshot NAME SNAPSHOT`: frees what only it holds; refused while clones need it. */
export async function deleteSnapshot(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput & { snapshot: string },
): Promise<{ name: string; snapshot: string }> {
  const { name } = parseOrRefuse(NameInput, input);
  const snapshot = parseSnapshotName(input.snapshot, SNAPSHOT_REF);
  const snapshots = snapshotsOf(deps);
  const audit = auditTrail(deps, { actor, action: "delete-snapshot", target: name });
  const [container, lease] = deps.store.transaction(() => {
    const container = settled(deps, actor, name);
    return [
      container,
      beginOperation(deps, {
        kind: "snapshot",
        container: name,
        ownerId: container.ownerId,
        actor,
      }),
    ] as const;
  });
  try {
    const found = (await snapshots.list(container.ownerId, name)).find((s) => s.name === snapshot);
    if (!found)
      throw new Refusal(
        "not-found",
        `${name} has no snapshot named ${snapshot}. /snapshots ${name} lists them.`,
      );
    try {
      await snapshots.remove(container.ownerId, name, snapshot);
    } catch (error) {
      if (!isDependentClones(error)) throw error;
      throw new Refusal(
        "conflict",
        `${snapshot} cannot be deleted while a workspace made from it exists (a fork, or the state before a rollback in the trash): it can go once that is destroyed and purged.`,
      );
    }
    audit("ok", { snapshot });
    return { name, snapshot };
  } catch (error) {
    audit(outcomeOf(error), { snapshot, ...failureOf(error) });
    throw error;
  } finally {
    lease.end();
  }
}

export interface RollbackRequest {
  readonly id: string;
  readonly action: "rollback";
  readonly target: string;
  readonly snapshot: string;
  readonly expiresAtMs: number;
  /** Snapshots taken after it: they go to the trash with the state they belong to. */
  readonly later: readonly string[];
  readonly keptDays: number;
}

/**
 * Asks to roll a container's workspace back to one of its snapshots. Nothing changes here: the
 * result is a pending action only this user can confirm, never the LLM.
 */
export async function requestRollback(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput & { snapshot: string },
): Promise<RollbackRequest> {
  const { name } = parseOrRefuse(NameInput, input);
  const snapshot = parseSnapshotName(input.snapshot, SNAPSHOT_REF);
  const container = settled(deps, actor, name);
  const all = await snapshotsOf(deps).list(container.ownerId, name);
  const at = all.findIndex((s) => s.name === snapshot);
  if (at < 0)
    throw new Refusal(
      "not-found",
      `${name} has no snapshot named ${snapshot}. /snapshots ${name} lists them.`,
    );
  const pending = requestConfirmation(deps, {
    userId: actor.userId,
    kind: "rollback",
    target: name,
    container,
    payload: { snapshot },
    ttlMs: ROLLBACK_CONFIRMATION_TTL_MS,
  });
  return {
    id: pending.id,
    action: "rollback",
    target: name,
    snapshot,
    expiresAtMs: pending.expiresAtMs,
    later: all.slice(at + 1).map((s) => s.name),
    keptDays: deps.limits.trashDays,
  };
}
