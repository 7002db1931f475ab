import type { TrashKept } from "../../store/index.js";
import type { WorkloadDeps } from "./deps.js";

/**
 * What the registry knows of a container beyond its spec (which holds its modules, limits,
 * user range and fork mark), for the trash entry it leaves: its pin, its own idle period, and
 * what is left of its lifetime (none once it has run out: that is why it went). Read in the
 * transaction that records the entry, while the container's row is still there.
 */
export function keptOf(deps: WorkloadDeps, name: string): TrashKept {
  const activity = deps.store.activity.find(name);
  const left = activity?.expiresAtMs === undefined ? undefined : activity.expiresAtMs - deps.now();
  return {
    pinned: activity?.pinned ?? false,
    idleStopMs: activity?.idleStopMs,
    lifetimeLeftMs: left !== undefined && left > 0 ? left : undefined,
  };
}

/** Gives a restored container what its trash entry kept, in the transaction that claims it. */
export function giveBack(deps: WorkloadDeps, name: string, kept: TrashKept) {
  const { activity } = deps.store;
  if (kept.pinned) activity.setPinned(name, true);
  if (kept.idleStopMs !== undefined) activity.setIdleStop(name, kept.idleStopMs);
  if (kept.lifetimeLeftMs !== undefined) activity.setExpiry(name, deps.now() + kept.lifetimeLeftMs);
}
