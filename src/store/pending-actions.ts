import type { Db } from "./database.js";
import { fromJsonText, toJsonText, type JsonObject } from "./json.js";

export interface PendingAction {
  /** Opaque and unguessable: it travels in callback data and is checked here, server-side. */
  readonly id: string;
  readonly userId: number;
  readonly action: string;
  readonly target: string;
  readonly payload: JsonObject | undefined;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

/** Why a confirmation did not go through. */
export type ConsumeRefusal = "unknown" | "not-yours" | "expired" | "used";

export type ConsumeResult =
  | { readonly ok: true; readonly action: PendingAction }
  | { readonly ok: false; readonly reason: ConsumeRefusal };

interface Row {
  id: string;
  user_id: number;
  action: string;
  target: string;
  payload: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const fromRow = (row: Row): PendingAction => ({
  id: row.id,
  userId: row.user_id,
  action: row.action,
  target: row.target,
  payload: fromJsonText<JsonObject>(row.payload),
  createdAtMs: row.created_at,
  expiresAtMs: row.expires_at,
});

/**
 * Destructive requests waiting for their requester's confirmation. A pending action is bound to
 * one user, one target and an expiry, and can be consumed once: the single UPDATE below is the
 * guarantee, so a double-tapped button or a replayed callback cannot run it twice.
 */
export function pendingActionsRepository(db: Db, now: () => number) {
  const insert = db.prepare<[string, number, string, string, string | null, number, number]>(
    `INSERT INTO pending_actions (id, user_id, action, target, payload, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const claim = db.prepare<[number, string, number, number], Row>(
    `UPDATE pending_actions SET used_at = ?
     WHERE id = ? AND user_id = ? AND used_at IS NULL AND expires_at > ?
     RETURNING *`,
  );
  const find = db.prepare<[string], Row>(`SELECT * FROM pending_actions WHERE id = ?`);
  const purge = db.prepare<[number]>(`DELETE FROM pending_actions WHERE expires_at < ?`);
  const open = db.prepare<[string, string, number], Row>(
    `SELECT * FROM pending_actions WHERE action = ? AND target = ? AND used_at IS NULL AND expires_at > ?`,
  );
  const settle = db.prepare<[number, string, string]>(
    `UPDATE pending_actions SET used_at = ? WHERE action = ? AND target = ? AND used_at IS NULL`,
  );

  return {
    create(input: {
      id: string;
      userId: number;
      action: string;
      target: string;
      payload?: JsonObject;
      ttlMs: number;
    }): PendingAction {
      const t = now();
      insert.run(
        input.id,
        input.userId,
        input.action,
        input.target,
        toJsonText(input.payload),
        t,
        t + input.ttlMs,
      );
      return fromRow(find.get(input.id) as Row);
    },
    find(id: string): PendingAction | undefined {
      const row = find.get(id);
      return row && fromRow(row);
    },
    /** Marks the action used and returns it, only for its own user, once, before expiry. */
    consume(id: string, userId: number): ConsumeResult {
      const t = now();
      const row = claim.get(t, id, userId, t);
      if (row) return { ok: true, action: fromRow(row) };
      const existing = find.get(id);
      if (!existing) return { ok: false, reason: "unknown" };
      if (existing.user_id !== userId) return { ok: false, reason: "not-yours" };
      if (existing.used_at !== null) return { ok: false, reason: "used" };
      return { ok: false, reason: "expired" };
    },
    /** Unused, unexpired actions of one kind about one target (e.g. open access requests). */
    openFor(action: string, target: string): PendingAction[] {
      return open.all(action, target, now()).map(fromRow);
    },
    /** Marks every open action of one kind about one target used (the others' cards are moot). */
    settleAll(action: string, target: string): number {
      return settle.run(now(), action, target).changes;
    },
    /** Deletes actions that expired before `beforeMs`; returns how many. */
    purgeExpired(beforeMs: number = now()): number {
      return purge.run(beforeMs).changes;
    },
  };
}

export type PendingActionsRepository = ReturnType<typeof pendingActionsRepository>;
