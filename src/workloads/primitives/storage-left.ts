import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/** Below this, a new workspace would be unusable: the quota counts as exhausted. */
export const MIN_FREE_BYTES = 64 * 1024 ** 2;

/**
 * Refuses work that needs room under the owner's storage quota when it is used up: a new
 * workspace, or a snapshot (which keeps everything deleted after it from freeing space).
 * Returns the owner's space as the scan found it, for further checks.
 */
export async function assertStorageLeft(deps: WorkloadDeps, ownerId: number) {
  const space = (await deps.host.storage.scan()).get(ownerId);
  if (space?.availableBytes !== undefined && space.availableBytes < MIN_FREE_BYTES)
    throw new Refusal(
      "quota",
      "Your storage quota is used up: /usage shows what uses it (trashed workspaces and snapshots count until they are deleted).",
    );
  return space;
}
