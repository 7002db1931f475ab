import type { Json } from "../../store/index.js";
import type { Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";

/** How much conversation the agent keeps: whole turns, and nothing older than a day. */
export const HISTORY_TURNS = 8;
export const HISTORY_MAX_AGE_MS = 24 * 60 * 60_000;

/**
 * The actor's conversation with the agent, in whole turns (so a tool call never loses its
 * result), trimmed to the newest HISTORY_TURNS and expired after HISTORY_MAX_AGE_MS.
 */
export function conversation(deps: WorkloadDeps) {
  const history = deps.store.chatHistory;
  return {
    load(actor: Actor): Json[] {
      return history
        .load(actor.userId, { sinceMs: deps.now() - HISTORY_MAX_AGE_MS })
        .flatMap((turn) => turn.messages);
    },
    /** Settles once the exchange is stored (with the others of this event-loop turn). */
    async append(actor: Actor, messages: readonly Json[]): Promise<void> {
      if (messages.length === 0) return;
      await history.appendTurn(actor.userId, messages, { keepTurns: HISTORY_TURNS });
    },
    reset(actor: Actor): void {
      history.clear(actor.userId);
    },
  };
}
