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

  /** An exchange handed over and not yet written. */
  interface Unwritten {
    readonly userId: number;
    readonly atMs: number;
    readonly messages: readonly Json[];
    readonly keepTurns: number | undefined;
  }
  const write = db.transaction((turns: readonly Unwritten[]) => {
    for (const { userId, atMs, messages, keepTurns } of turns) {
      const turn = nextTurn.get(userId)?.next ?? 1;
      for (const message of messages) insert.run(userId, turn, atMs, JSON.stringify(message));
      if (keepTurns !== undefined) keepLast.run(userId, keepTurns, userId);
    }
  });

  // Group commit: the exchanges of one event-loop turn are written in one transaction, just
  // after it. A commit holds the event loop for its locks and WAL writes; one per exchange cost
  // 20 chats at once 4–6% of their reply time. Anything that reads or clears history, and
  // close, writes what is waiting first, so no reader here sees less; a failed write keeps its
  // turns for the next one, which reports the failure. (docs/architecture.md, Store.)
  let unwritten: Unwritten[] = [];
  const flush = () => {
    if (unwritten.length === 0) return;
    const turns = unwritten;
    unwritten = [];
    try {
      write.immediate(turns);
    } catch (error) {
      unwritten = [...turns, ...unwritten];
      throw error;
    }
  };
  const flushSoon = () =>
    setImmediate(() => {
      try {
        flush();
      } catch {
        // Kept: the next load, append's flush or close writes them again and throws there.
      }
    });

  return {
    /**
     * Stores one exchange as a new turn, stamped now; with `keepTurns`, drops all but the newest
     * that many turns in the same transaction. Written with the others handed over in the same
     * event-loop turn, right after it (see flush).
     */
    appendTurn(userId: number, messages: readonly Json[], options: { keepTurns?: number } = {}) {
      if (unwritten.length === 0) flushSoon();
      unwritten.push({ userId, atMs: now(), messages, keepTurns: options.keepTurns });
    },
    /** Writes the exchanges handed over and not yet written (close does too). */
    flush,
    /** The user's turns, oldest first, optionally only those newer than `sinceMs`. */
    load(userId: number, options: { sinceMs?: number } = {}): Turn[] {
      flush();
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
      flush();
      clear.run(userId);
    },
    /** Deletes every message older than `beforeMs`; returns how many. */
    purgeOlderThan(beforeMs: number): number {
      flush();
      return purge.run(beforeMs).changes;
    },
  };
}

export type ChatHistoryRepository = ReturnType<typeof chatHistoryRepository>;
