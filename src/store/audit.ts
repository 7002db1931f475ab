import type { Db } from "./database.js";
import { fromJsonText, toJsonText, type JsonObject } from "./json.js";

export type AuditOutcome = "ok" | "refused" | "failed";

export interface AuditEntry {
  readonly id: number;
  readonly atMs: number;
  /** Who acted, as the transport identified them: `tg:1001`, `cli:admin`, `system`. */
  readonly actor: string;
  readonly action: string;
  readonly target: string | undefined;
  readonly outcome: AuditOutcome;
  readonly detail: JsonObject | undefined;
}

interface Row {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

const fromRow = (row: Row): AuditEntry => ({
  id: row.id,
  atMs: row.at,
  actor: row.actor,
  action: row.action,
  target: row.target ?? undefined,
  outcome: row.outcome,
  detail: fromJsonText<JsonObject>(row.detail),
});

export interface AuditFilter {
  /** Entries by any of these actors (`tg:1001`, `cli:1001`, `system`). */
  readonly actors?: readonly string[];
  readonly target?: string;
  /** Entries at or after this time. */
  readonly sinceMs?: number;
  readonly limit?: number;
}

interface AuditQueryParams {
  actors: string | null;
  target: string | null;
  since: number;
  limit: number;
}

/** An append-only record of every lifecycle event and who caused it. */
export function auditRepository(db: Db, now: () => number) {
  const insert = db.prepare<[number, string, string, string | null, AuditOutcome, string | null]>(
    `INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // One statement for every filter: a NULL parameter matches everything.
  const query = db.prepare<[AuditQueryParams], Row>(
    `SELECT * FROM audit
     WHERE (@actors IS NULL OR actor IN (SELECT value FROM json_each(@actors)))
       AND (@target IS NULL OR target = @target)
       AND at >= @since
     ORDER BY id DESC LIMIT @limit`,
  );

  return {
    record(entry: {
      actor: string;
      action: string;
      target?: string;
      outcome: AuditOutcome;
      detail?: JsonObject;
    }): void {
      insert.run(
        now(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        entry.outcome,
        toJsonText(entry.detail),
      );
    },
    /** The newest entries first (50 unless told), optionally only those matching every filter. */
    recent(filter: AuditFilter = {}): AuditEntry[] {
      return query
        .all({
          actors: filter.actors ? JSON.stringify(filter.actors) : null,
          target: filter.target ?? null,
          since: filter.sinceMs ?? 0,
          limit: filter.limit ?? 50,
        })
        .map(fromRow);
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
