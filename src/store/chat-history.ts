import type { Db } from "./database.js";
import type { Json } from "./json.js";

/** SQLite's codes for a failure one row's values cause, not the database's state. */
const ROW_FAILURE = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/;

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

  /** An exchange handed over and not yet written, and how its append hears the outcome. */
  interface Unwritten {
    readonly userId: number;
    readonly atMs: number;
    /** As JSON, taken when handed over: what the caller does with its objects after is theirs. */
    readonly messages: readonly string[];
    readonly keepTurns: number | undefined;
    readonly settle: (error?: unknown) => void;
  }
  const writeTurn = ({ userId, atMs, messages, keepTurns }: Omit<Unwritten, "settle">) => {
    const turn = nextTurn.get(userId)?.next ?? 1;
    for (const message of messages) insert.run(userId, turn, atMs, message);
    if (keepTurns !== undefined) keepLast.run(userId, keepTurns, userId);
  };
  const writeAll = db.transaction((turns: readonly Unwritten[]) => turns.forEach(writeTurn));

  // Group commit: the exchanges of one event-loop turn are written in one transaction, just
  // after it. A commit holds the event loop for its locks and WAL writes; one per exchange cost
  // 20 chats at once 4–6% of their reply time. Each append's promise settles with its own
  // exchange's write, so a turn can wait for it before it replies, as when it wrote at once.
  // A read or reset of a user with an exchange waiting, an expiry, close and a store transaction
  // write first, so no reader here sees less. (docs/architecture.md, Store.)
  let waiting: Unwritten[] = [];

  /** Writes what is waiting; each append hears how its exchange fared, and nothing throws here. */
  function flush(): void {
    if (waiting.length === 0) return;
    // Inside a store transaction they would share its fate: written after it (store.transaction
    // writes them before it begins, so only a transaction begun some other way meets this).
    if (db.inTransaction) return void setImmediate(flush);
    const turns = waiting;
    waiting = [];
    try {
      writeAll.immediate(turns);
    } catch (error) {
      // What one exchange's rows caused fails it alone; a busy, full or broken database fails
      // all of them at once, rather than once each.
      if (turns.length === 1 || !ROW_FAILURE.test(String((error as { code?: unknown }).code)))
        return turns.forEach((turn) => turn.settle(error));
      return turns.forEach(writeAlone);
    }
    turns.forEach((turn) => turn.settle());
  }
  const writeOne = db.transaction(writeTurn);
  function writeAlone(turn: Unwritten): void {
    try {
      writeOne.immediate(turn);
    } catch (error) {
      return turn.settle(error);
    }
    turn.settle();
  }
  /** Writes first when `userId` has an exchange waiting: a read of no one's waits on no write. */
  const flushFor = (userId: number) => {
    if (waiting.some((turn) => turn.userId === userId)) flush();
  };

  return {
    /**
     * Stores one exchange as a new turn, stamped now; with `keepTurns`, drops all but the newest
     * that many turns in the same transaction. Written with the others handed over in the same
     * event-loop turn, right after it; the promise settles when it is, and fails if it cannot
     * be (the exchange is then not stored, as a failed write never was). Inside a store
     * transaction it is written at once, as part of it, as every write there is.
     */
    appendTurn(
      userId: number,
      messages: readonly Json[],
      options: { keepTurns?: number } = {},
    ): Promise<void> {
      // Serialized here, where a value JSON cannot hold (a cycle, a BigInt) fails this append
      // alone, at once, and the transaction holds the event loop for no more than its writes.
      const exchange = {
        userId,
        atMs: now(),
        messages: messages.map((message) => JSON.stringify(message)),
        keepTurns: options.keepTurns,
      };
      if (db.inTransaction) {
        writeTurn(exchange);
        return Promise.resolve();
      }
      let settle!: (error?: unknown) => void;
      const written = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      // Handled here too: an append whose caller does not wait is no unhandled rejection.
      written.catch(() => undefined);
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ ...exchange, settle });
      return written;
    },
    /** Writes the exchanges handed over and not yet written (close and transactions do too). */
    flush,
    /** The user's turns, oldest first, optionally only those newer than `sinceMs`. */
    load(userId: number, options: { sinceMs?: number } = {}): Turn[] {
      flushFor(userId);
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
      flushFor(userId);
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
