import { isAdmin, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { Refusal } from "../primitives/refusal.js";

const WEEK_MS = 7 * 24 * 60 * 60_000;

/** A user's usage samples over the last week, oldest first, for a chart. */
export type UsageSeries = ReturnType<WorkloadDeps["store"]["usageHistory"]["samplesSince"]>;

/** What a user's (the actor's, or anyone's for admins) containers used, sample by sample. */
export function usageSeries(
  deps: WorkloadDeps,
  actor: Actor,
  options: { userId?: number } = {},
): UsageSeries {
  const userId = options.userId ?? actor.userId;
  if (userId !== actor.userId && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can see someone else's usage.");
  return deps.store.usageHistory.samplesSince(userId, deps.now() - WEEK_MS);
}
