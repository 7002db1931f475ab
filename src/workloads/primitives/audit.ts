import type { AuditOutcome, JsonObject } from "../../store/index.js";
import { auditName, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/**
 * The audit trail of one action on one target by one actor: call it with each outcome. Every
 * lifecycle event goes through here, so the audit table names actors and failures one way.
 */
export function auditTrail(
  deps: WorkloadDeps,
  entry: { actor: Actor | string; action: string; target: string },
) {
  const actor = typeof entry.actor === "string" ? entry.actor : auditName(entry.actor);
  return (outcome: AuditOutcome, detail?: JsonObject) =>
    deps.store.audit.record({
      actor,
      action: entry.action,
      target: entry.target,
      outcome,
      ...(detail ? { detail } : {}),
    });
}

/** What the audit keeps of a failure: a refusal's reason, or the error's message (facts, no secrets). */
export const failureOf = (error: unknown): JsonObject =>
  error instanceof Refusal
    ? { reason: error.reason }
    : { error: error instanceof Error ? error.message : String(error) };

/** "refused" for a Refusal (nothing changed), "failed" for anything else. */
export const outcomeOf = (error: unknown): AuditOutcome =>
  error instanceof Refusal ? "refused" : "failed";
