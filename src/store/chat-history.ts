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
  // 20 chats at once 4–6% of their reply time. Each append's promise settles with its batch's
  // write, so a turn can wait for it before it replies, as when it wrote at once. Anything that
  // reads or clears history, and close, writes what is waiting first, so no reader here sees
  // less. (docs/architecture.md, Store.)
  interface Batch {
    readonly turns: Unwritten[];
    readonly written: Promise<void>;
    readonly settle: (error?: unknown) => void;
  }
  let waiting: Batch | undefined;
  const newBatch = (): Batch => {
    let settle!: (error?: unknown) => void;
    const written = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Handled here too: an append whose caller does not wait is no unhandled rejection.
    written.catch(() => undefined);
    return { turns: [], written, settle };
  };
  /** Writes the exchanges handed over and not yet written; a failure fails their appends too. */
  const flush = () => {
    const batch = waiting;
    if (batch === undefined) return;
    waiting = undefined;
    try {
      write.immediate(batch.turns);
    } catch (error) {
      batch.settle(error);
      throw error;
    }
    batch.settle();
  };
  const flushSoon = () =>
    setImmediate(() => {
      try {
        flush();
      } catch {
        // Told to the appends that wait on it.
      }
    });

  return {
    /**
     * Stores one exchange as a new turn, stamped now; with `keepTurns`, drops all but the newest
     * that many turns in the same transaction. Written with the others handed over in the same
     * event-loop turn, right after it; the promise settles when it is, and fails if it cannot
     * be (the exchange is then not stored, as a failed write never was).
     */
    appendTurn(
      userId: number,
      messages: readonly Json[],
      options: { keepTurns?: number } = {},
    ): Promise<void> {
      if (waiting === undefined) {
        waiting = newBatch();
        flushSoon();
      }
      waiting.turns.push({ userId, atMs: now(), messages, keepTurns: options.keepTurns });
      return waiting.written;
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
