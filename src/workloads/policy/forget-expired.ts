import type { WorkloadDeps } from "../primitives/deps.js";
import { HISTORY_MAX_AGE_MS } from "../operations/conversation.js";
import { USAGE_HISTORY_MS } from "../primitives/usage-history.js";

/** Confirmations stay in the registry this long after they expire, so a late press can say "expired". */
const EXPIRED_KEPT_MS = 24 * 60 * 60_000;

export interface Forgotten {
  readonly pendingActions: number;
  readonly historyMessages: number;
  readonly usageSamples: number;
}

/**
 * Deletes what nobody can use any more: confirmations a day past their expiry, chat history
 * past HISTORY_MAX_AGE_MS, which the agent no longer loads, and usage samples past
 * USAGE_HISTORY_MS. Without it both grow forever (and
 * the history keeps people's words longer than it needs). Runs with the hourly trash purge.
 */
export function forgetExpired(deps: WorkloadDeps): Forgotten {
  const now = deps.now();
  return {
    pendingActions: deps.store.pendingActions.purgeExpired(now - EXPIRED_KEPT_MS),
    historyMessages: deps.store.chatHistory.purgeOlderThan(now - HISTORY_MAX_AGE_MS),
    usageSamples: deps.store.usageHistory.purgeOlderThan(now - USAGE_HISTORY_MS),
  };
}
