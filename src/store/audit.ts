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

/** An append-only record of every lifecycle event and who caused it. */
export function auditRepository(db: Db, now: () => number) {
  const insert = db.prepare<[number, string, string, string | null, AuditOutcome, string | null]>(
    `INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const recent = db.prepare<[number], Row>(`SELECT * FROM audit ORDER BY id DESC LIMIT ?`);
  const recentFor = db.prepare<[string, number], Row>(
    `SELECT * FROM audit WHERE target = ? ORDER BY id DESC LIMIT ?`,
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
    /** The newest entries first, optionally only those about one target. */
    recent(options: { target?: string; limit?: number } = {}): AuditEntry[] {
      const limit = options.limit ?? 50;
      const rows =
        options.target === undefined ? recent.all(limit) : recentFor.all(options.target, limit);
      return rows.map(fromRow);
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
