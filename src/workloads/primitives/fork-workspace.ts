import type { Container } from "./records.js";
import type { WorkloadDeps } from "./deps.js";
import type { Lease } from "./lease.js";
import type { createUndo } from "./undo.js";
import { Refusal } from "./refusal.js";
import { FORK_PREFIX, snapshotsOf, stamp } from "./workspace-snapshots.js";
import type { ContainerSpec } from "./spec.js";

/** What a fork starts from: its source, held under a lease until its workspace is cloned. */
export interface ForkSource {
  readonly container: Container;
  /** The snapshot to clone; when undefined, one is taken of the workspace as it is now. */
  readonly snapshot: string | undefined;
  /** The source's snapshot lease: nothing moves its workspace while the clone is made. */
  readonly lease: Lease;
}

/**
 * A fork's workspace: a ZFS clone of a snapshot of its source's (taken now, `fork-NEW-…`, when
 * none is named), costing nothing until either side writes, then given to the fork's own user
 * range. Destroying the source later keeps it: a purge promotes dependent clones first
 * (zfs.destroyKeepingClones). Returns its host path.
 */
export async function forkWorkspace(
  deps: WorkloadDeps,
  from: ForkSource,
  spec: ContainerSpec,
  fork: { readonly lease: Lease; readonly undo: ReturnType<typeof createUndo> },
): Promise<string> {
  const snapshots = snapshotsOf(deps);
  const source = from.container;
  let hostPath: string;
  try {
    let snapshot = from.snapshot;
    if (snapshot === undefined) {
      snapshot = `${FORK_PREFIX}${spec.name}-${stamp(deps.now())}`;
      const taken = snapshot;
      await snapshots.take(source.ownerId, source.name, taken);
      // Undone after the clone (undo runs newest first): zfs keeps a snapshot with clones. The
      // source is no longer held then; one moved or gone meanwhile keeps it (it goes with the
      // source's purge), which is no reason to leave the fork half-undone.
      fork.undo.push("fork snapshot", () =>
        snapshots.remove(source.ownerId, source.name, taken).catch((error: unknown) => {
          deps.log.warn(
            { err: error, container: source.name, snapshot: taken },
            "fork snapshot kept",
          );
        }),
      );
    } else if (
      !(await snapshots.list(source.ownerId, source.name)).some((s) => s.name === snapshot)
    )
      throw new Refusal(
        "not-found",
        `${source.name} has no snapshot named ${snapshot}. /snapshots ${source.name} lists them.`,
      );
    // Marked before the clone, as a new workspace is: whatever has this name now is ours.
    fork.lease.made("workspace");
    fork.undo.push("workspace", () => deps.host.storage.removeWorkspace(spec.owner, spec.name));
    hostPath = await snapshots.cloneInto(source.ownerId, source.name, snapshot, spec.name);
  } finally {
    from.lease.end();
  }
  if (spec.privateUsers)
    await snapshots.shiftOwnership(spec.owner, spec.name, spec.privateUsers.base);
  return hostPath;
}
