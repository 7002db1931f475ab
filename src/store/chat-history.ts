import type { Db } from "./database.js";
import type { Json } from "./json.js";

/** The messages of one exchange (user message, tool calls, tool results, reply), in order. */
export interface Turn {
  readonly turn: number;
  readonly atMs: number;
  readonly messages: readonly Json[];
}

interface Row {
  turn: number;
  at: number;
  message: string;
}

/**
 * Per-user conversation history for the agent. Stored and trimmed by whole turns, so a tool call
 * is never kept without its result (providers reject such a history).
 */
export function chatHistoryRepository(db: Db, now: () => number) {
  const nextTurn = db.prepare<[number], { next: number }>(
    `SELECT coalesce(max(turn), 0) + 1 AS next FROM chat_history WHERE user_id = ?`,
  );
  const insert = db.prepare<[number, number, number, string]>(
    `INSERT INTO chat_history (user_id, turn, at, message) VALUES (?, ?, ?, ?)`,
  );
  const load = db.prepare<[number, number], Row>(
    `SELECT turn, at, message FROM chat_history WHERE user_id = ? AND at >= ? ORDER BY turn, id`,
  );
  const keepLast = db.prepare<[number, number, number]>(
    `DELETE FROM chat_history WHERE user_id = ? AND turn <= (
       SELECT coalesce(max(turn), 0) - ? FROM chat_history WHERE user_id = ?)`,
  );
  const clear = db.prepare<[number]>(`DELETE FROM chat_history WHERE user_id = ?`);
  const purge = db.prepare<[number]>(`DELETE FROM chat_history WHERE at < ?`);

  const appendTurn = db.transaction(
    (userId: number, messages: readonly Json[], keepTurns: number | undefined) => {
      const turn = nextTurn.get(userId)?.next ?? 1;
      const at = now();
      for (const message of messages) insert.run(userId, turn, at, JSON.stringify(message));
      if (keepTurns !== undefined) keepLast.run(userId, keepTurns, userId);
      return turn;
    },
  );

  return {
    /**
     * Stores one exchange as a new turn and returns its number; with `keepTurns`, drops all but
     * the newest that many turns in the same transaction.
     */
    appendTurn(userId: number, messages: readonly Json[], options: { keepTurns?: number } = {}) {
      return appendTurn.immediate(userId, messages, options.keepTurns);
    },
    /** The user's turns, oldest first, optionally only those newer than `sinceMs`. */
    load(userId: number, options: { sinceMs?: number } = {}): Turn[] {
      const turns: Turn[] = [];
      for (const row of load.all(userId, options.sinceMs ?? 0)) {
        const last = turns.at(-1);
        const message = JSON.parse(row.message) as Json;
        if (last?.turn === row.turn) (last.messages as Json[]).push(message);
        else turns.push({ turn: row.turn, atMs: row.at, messages: [message] });
      }
      return turns;
    },
    /** Forgets a user's whole conversation (`/reset`). */
    clear(userId: number): void {
      clear.run(userId);
    },
    /** Deletes every message older than `beforeMs`; returns how many. */
    purgeOlderThan(beforeMs: number): number {
      return purge.run(beforeMs).changes;
    },
  };
}

export type ChatHistoryRepository = ReturnType<typeof chatHistoryRepository>;
