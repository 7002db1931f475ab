import type { WorkspaceSnapshot } from "../../host/index.js";
import { isDependentClones } from "../../host/zfs.js";
import type { Container } from "../primitives/records.js";
import { authorize, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf, outcomeOf } from "../primitives/audit.js";
import { requestConfirmation } from "../primitives/confirmations.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { NameInput } from "../primitives/spec.js";
import { assertStorageLeft } from "../primitives/storage-left.js";
import {
  isVoxnixOwn,
  OWN_PREFIXES,
  settled,
  SNAPSHOT_NAME,
  SNAPSHOT_REF,
  snapshotsOf,
  stamp,
} from "../primitives/workspace-snapshots.js";

/** How long a rollback confirmation stays valid. */
export const ROLLBACK_CONFIRMATION_TTL_MS = 5 * 60_000;

export type SnapshotEntry = WorkspaceSnapshot;

function parseSnapshotName(text: string, pattern = SNAPSHOT_NAME): string {
  if (!pattern.test(text))
    throw new Refusal(
      "invalid-input",
      `A snapshot name is 1 to 32 lowercase letters, digits and dashes, starting with a letter or digit; not "${text.slice(0, 40)}".`,
    );
  return text;
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
