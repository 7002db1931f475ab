import type { Container } from "../primitives/records.js";
import type { Actor } from "../primitives/actor.js";
import { auditTrail, failureOf, outcomeOf } from "../primitives/audit.js";
import { sameContainer } from "../primitives/confirmations.js";
import type { OperationOptions, WorkloadDeps } from "../primitives/deps.js";
import { freeTrashId } from "../primitives/destroy-steps.js";
import { firstUnused } from "../primitives/free-name.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import { tellOwner } from "../primitives/notify.js";
import { Refusal } from "../primitives/refusal.js";
import { SAFETY_PREFIX, settled, snapshotsOf } from "../primitives/workspace-snapshots.js";
import { keptOf } from "../primitives/trash-record.js";

export interface RollbackResult {
  readonly name: string;
  readonly snapshot: string;
  /** Where the state it replaced went, with the snapshots taken after `snapshot`. */
  readonly trashId: string;
  readonly keptDays: number;
  readonly state: "running" | "stopped";
}

/**
 * What a rollback's lease remembers for whoever finishes it: whether to start it again, and
 * the name its safety snapshot took.
 */
const WAS_RUNNING = "was-running";
const SAFETY_TAKEN = "safety:";

/**
 * Rolls a container's workspace back to one of its snapshots, losing nothing: the state it
 * replaces gets a safety snapshot and goes to the owner's trash (restorable for the trash
 * window, with the snapshots taken after the target), and the container runs again if it ran.
 * Under the container's lease and one on the trash id; any failure is finished or undone from
 * what the host shows (finishRollback), as reconcile does after a crash.
 */
export async function rollbackContainer(
  deps: WorkloadDeps,
  actor: Actor,
  name: string,
  snapshot: string,
  options: Pick<OperationOptions, "report"> & { readonly incarnation?: number | undefined } = {},
): Promise<RollbackResult> {
  const { store, host } = deps;
  const snapshots = snapshotsOf(deps, "Rollbacks");
  const audit = auditTrail(deps, { actor, action: "rollback", target: name });
  let container: Container;
  let lease: Lease;
  let trashId: string;
  try {
    [container, lease, trashId] = store.transaction(() => {
      const container = sameContainer(settled(deps, actor, name), options.incarnation);
      const trashId = freeTrashId(deps, name);
      const lease = beginOperation(deps, {
        kind: "rollback",
        container: name,
        trashId,
        ownerId: container.ownerId,
        actor,
        report: options.report,
      });
      return [container, lease, trashId] as const;
    });
  } catch (error) {
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }
  const uid = container.ownerId;
  try {
    const all = await snapshots.list(uid, name);
    if (!all.some((s) => s.name === snapshot))
      throw new Refusal("not-found", `${name} has no snapshot named ${snapshot}.`);
    // The state being replaced, fixed as it is now: its trash entry could be restored and
    // changed, this stays. Named after the trash entry, unless a rollback in the same second
    // whose entry has since been purged left its own under that name.
    const safety = firstUnused(safetySnapshot(name, trashId), (n) => all.some((s) => s.name === n));
    lease.made(`${SAFETY_TAKEN}${safety}`);
    await snapshots.take(uid, name, safety);
    const running = await host.machines.isRunning(name);
    if (running) lease.made(WAS_RUNNING);
    if (running) await host.containers.stop(name);
    await snapshots.cloneForRollback(uid, name, snapshot);
  } catch (error) {
    await undoOrFinish(deps, container, lease, trashId, error, audit);
    throw error;
  }
  try {
    await snapshots.promoteRollback(uid, name);
  } catch (error) {
    await undoOrFinish(deps, container, lease, trashId, error, audit);
    throw error;
  }
  // Promoted: from here the swap only goes forward.
  const state = await finishRollback(deps, container, lease, trashId).catch(
    async (error: unknown) => {
      await undoOrFinish(deps, container, lease, trashId, error, audit);
      throw error;
    },
  );
  audit("ok", { snapshot, trashId });
  tellOwner(
    deps,
    actor,
    container.ownerId,
    (who) =>
      `↩️ ${who} rolled ${name} back to snapshot ${snapshot}; what was there is in your trash as ${trashId}.`,
  );
  return { name, snapshot, trashId, keptDays: deps.limits.trashDays, state };
}

/**
 * A failed rollback: undone when the clone was never promoted, finished when it was (both
 * leave a whole workspace). If even that fails, abandoned to reconcile, which tries again.
 */
async function undoOrFinish(
  deps: WorkloadDeps,
  container: Container,
  lease: Lease,
  trashId: string,
  error: unknown,
  audit: ReturnType<typeof auditTrail>,
) {
  try {
    await finishRollback(deps, container, lease, trashId);
    audit(outcomeOf(error), failureOf(error));
  } catch (repairError) {
    lease.abandon();
    audit("failed", { ...failureOf(error), rollbackFailed: String(repairError) });
    deps.log.warn(
      { err: repairError, container: container.name },
      "rollback failed and could not be settled; reconcile retries",
    );
  }
}

/**
 * Brings an interrupted or failed rollback to a whole state, from what the host shows: a clone
 * not yet promoted is destroyed (the workspace is as it was); a promoted one is swapped in,
 * the old workspace moved to the trash first; then the container starts if it ran before, and
 * the lease ends. Each step is idempotent, so it can itself be cut off and run again. Returns
 * the container's state.
 */
export async function finishRollback(
  deps: WorkloadDeps,
  container: Container,
  lease: Lease,
  trashId: string,
): Promise<"running" | "stopped"> {
  const { host, store } = deps;
  const snapshots = snapshotsOf(deps);
  const { name, ownerId: uid } = container;
  let seen = await snapshots.rollbackState(uid, name, trashId);
  if (seen.clone === "made") await snapshots.discardRollback(uid, name);
  if (seen.clone === "promoted") {
    if (seen.workspace && !seen.inTrash) await host.storage.moveToTrash(uid, name, trashId);
    seen = await snapshots.rollbackState(uid, name, trashId);
    if (!seen.workspace) await snapshots.installRollback(uid, name);
  }
  seen = await snapshots.rollbackState(uid, name, trashId);
  // A snapshot can hold another range's files: a fork's from before it was forked holds its
  // source's users' files (a fork mark lost on the way through the trash, in entries from
  // before it was kept, would say otherwise). The files' owner decides, not the mark: the
  // shift returns at once when the root is already the container's.
  if (seen.inTrash && container.spec.privateUsers) {
    await host.storage.ensureMounted(uid, name);
    await snapshots.shiftOwnership(uid, name, container.spec.privateUsers.base);
  }
  if (seen.inTrash && !store.trash.find(trashId))
    store.trash.add({
      id: trashId,
      ownerId: uid,
      containerName: name,
      spec: container.spec,
      kept: keptOf(deps, name),
    });
  // What the lease recorded since it began is in the registry, not in the record it began with.
  const made = store.operations.forContainer(name)?.made ?? lease.operation.made;
  // Undone: the state it would have replaced is still the workspace and needs no safety
  // snapshot, which would stay outside the cap and on the quota, one more per retry. (A lease
  // begun before the name was recorded had the name its trash entry gives.)
  if (!seen.inTrash && seen.workspace) {
    const taken = made.find((step) => step.startsWith(SAFETY_TAKEN));
    const safety = taken?.slice(SAFETY_TAKEN.length) ?? safetySnapshot(name, trashId);
    if ((await snapshots.list(uid, name)).some((s) => s.name === safety))
      await snapshots.remove(uid, name, safety);
  }
  if (made.includes(WAS_RUNNING)) {
    await host.storage.ensureMounted(uid, name);
    await host.containers.start(name);
  }
  const state = (await host.machines.isRunning(name)) ? "running" : "stopped";
  store.transaction(() => {
    store.containers.setState(name, state);
    lease.end();
  });
  return state;
}

/** The safety snapshot a rollback takes of the state it replaces, named after its trash entry. */
const safetySnapshot = (name: string, trashId: string) =>
  `${SAFETY_PREFIX}${trashId.slice(name.length + 1)}`;
