import type { AuditEntry, Json } from "../../store/index.js";
import { auditName, isAdmin, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { Refusal } from "../primitives/refusal.js";

/** The most entries one read returns: enough to look back, few enough for one chat message. */
export const AUDIT_MAX_ENTRIES = 500;

export interface AuditQuery {
  /** Entries by this user, through any transport. */
  readonly userId?: number;
  /** Entries about this container (or trash id, or user id for grants). */
  readonly target?: string;
  readonly sinceMs?: number;
  /** The newest this many (50 unless told). */
  readonly limit?: number;
}

/**
 * The audit trail for an admin: who did what to which container, and how it ended, oldest
 * first (the newest `limit` of them), as journalctl reads.
 */
export function auditEvents(deps: WorkloadDeps, actor: Actor, query: AuditQuery = {}) {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can read the audit trail.");
  const limit = query.limit ?? 50;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > AUDIT_MAX_ENTRIES)
    throw new Refusal(
      "invalid-input",
      `At most ${AUDIT_MAX_ENTRIES} entries at a time, and at least 1.`,
    );
  const by = query.userId;
  const entries = deps.store.audit.recent({
    ...(by !== undefined
      ? {
          actors: (["telegram", "cli"] as const).map((via) =>
            auditName({ userId: by, role: "user", via }),
          ),
        }
      : {}),
    ...(query.target !== undefined ? { target: query.target } : {}),
    ...(query.sinceMs !== undefined ? { sinceMs: query.sinceMs } : {}),
    limit,
  });
  return entries.reverse();
}

/** An entry's detail as `key=value` pairs on one line, cut at `maxChars` (the transports'). */
export function auditDetailText(entry: AuditEntry, maxChars = 120): string {
  const value = (v: Json): string =>
    Array.isArray(v)
      ? v.map(value).join(",")
      : typeof v === "object" && v
        ? JSON.stringify(v)
        : String(v);
  const text = Object.entries(entry.detail ?? {})
    .map(([key, v]) => `${key}=${value(v as Json)}`)
    .join(" ");
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
