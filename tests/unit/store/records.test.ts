import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { tempDir } from "../../support/temp-dir.js";

function clockedStore() {
  const clock = { now: 10_000 };
  const store = openStore(join(tempDir(), "voxnix.sqlite"), { now: () => clock.now });
  return { store, clock };
}

describe("users repository", () => {
  it("grants, updates and revokes access", () => {
    const { store } = clockedStore();
    store.users.grant({ id: 2001, role: "user", displayName: "Bob", approvedBy: 1001 });
    expect(store.users.find(2001)).toEqual({
      id: 2001,
      role: "user",
      displayName: "Bob",
      approvedBy: 1001,
      approvedAtMs: 10_000,
    });
    store.users.grant({ id: 2001, role: "admin" });
    expect(store.users.find(2001)).toMatchObject({ role: "admin", approvedBy: undefined });
    expect(store.users.list().map((u) => u.id)).toEqual([2001]);
    expect(store.users.revoke(2001)).toBe(true);
    expect(store.users.revoke(2001)).toBe(false);
    expect(store.users.find(2001)).toBeUndefined();
  });
});

describe("audit repository", () => {
  it("records who did what, newest first, filterable by target", () => {
    const { store, clock } = clockedStore();
    store.audit.record({
      actor: "tg:1001",
      action: "create",
      target: "dev",
      outcome: "ok",
      detail: { modules: ["git"] },
    });
    clock.now = 11_000;
    store.audit.record({
      actor: "tg:2002",
      action: "stop",
      target: "dev",
      outcome: "refused",
      detail: { reason: "not-owner" },
    });
    store.audit.record({ actor: "cli:admin", action: "doctor", outcome: "ok" });
    expect(
      store.audit.recent({ target: "dev" }).map((e) => [e.actor, e.action, e.outcome, e.detail]),
    ).toEqual([
      ["tg:2002", "stop", "refused", { reason: "not-owner" }],
      ["tg:1001", "create", "ok", { modules: ["git"] }],
    ]);
    expect(store.audit.recent({ limit: 1 })[0]).toMatchObject({
      action: "doctor",
      target: undefined,
      atMs: 11_000,
    });
  });
});

describe("chat history repository", () => {
  const call = {
    role: "assistant",
    content: [{ type: "tool-call", toolCallId: "c1", toolName: "list", input: {} }],
  };
  const result = {
    role: "tool",
    content: [{ type: "tool-result", toolCallId: "c1", toolName: "list", output: [] }],
  };

  it("keeps turns whole and in order", () => {
    const { store } = clockedStore();
    store.chatHistory.appendTurn(1, [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ]);
    store.chatHistory.appendTurn(1, [
      { role: "user", content: "list" },
      call,
      result,
      { role: "assistant", content: "none" },
    ]);
    store.chatHistory.appendTurn(2, [{ role: "user", content: "other user" }]);
    const turns = store.chatHistory.load(1);
    expect(turns.map((t) => t.turn)).toEqual([1, 2]);
    expect(turns[1]?.messages).toEqual([
      { role: "user", content: "list" },
      call,
      result,
      { role: "assistant", content: "none" },
    ]);
  });

  it("trims by whole turns, so a tool call never loses its result", () => {
    const { store } = clockedStore();
    for (let i = 0; i < 5; i++)
      store.chatHistory.appendTurn(1, [{ role: "user", content: `q${i}` }, call, result], {
        keepTurns: 2,
      });
    const turns = store.chatHistory.load(1);
    expect(turns.map((t) => t.turn)).toEqual([4, 5]);
    for (const turn of turns) expect(turn.messages).toHaveLength(3);
  });

  describe("written together after the event-loop turn that handed them over", () => {
    const afterThisTurn = () => new Promise((resolve) => setImmediate(resolve));
    const openBoth = () => {
      const path = join(tempDir(), "voxnix.sqlite");
      const store = openStore(path);
      // Another process's view: the CLI, or this one after a crash.
      const other = new Database(path, { readonly: true });
      const rows = () =>
        other.prepare("SELECT user_id, turn, message FROM chat_history ORDER BY id").all();
      return { path, store, rows };
    };
    const hi = (n: number) => [{ role: "user", content: `hi ${n}` }];

    it("commits one event-loop turn's exchanges together, and says when", async () => {
      const { store, rows } = openBoth();
      const written = [
        store.chatHistory.appendTurn(1, hi(1)),
        store.chatHistory.appendTurn(2, hi(2)),
        store.chatHistory.appendTurn(1, hi(3), { keepTurns: 1 }),
      ];
      expect(rows()).toEqual([]); // still this turn: nothing committed yet
      await Promise.all(written);
      expect(rows()).toEqual([
        { user_id: 2, turn: 1, message: JSON.stringify(hi(2)[0]) },
        { user_id: 1, turn: 2, message: JSON.stringify(hi(3)[0]) },
      ]);
    });

    it("writes what is waiting before a read, a reset or an expiry, and at close", () => {
      const { path, store, rows } = openBoth();
      void store.chatHistory.appendTurn(1, hi(1));
      expect(store.chatHistory.load(1).map((t) => t.messages)).toEqual([hi(1)]);
      expect(rows()).toHaveLength(1);
      void store.chatHistory.appendTurn(1, hi(2));
      store.chatHistory.clear(1);
      void store.chatHistory.appendTurn(2, hi(3));
      expect(store.chatHistory.purgeOlderThan(Date.now() + 1)).toBe(1);
      void store.chatHistory.appendTurn(3, hi(4));
      store.close();
      const reopened = openStore(path);
      expect([1, 2, 3].map((user) => reopened.chatHistory.load(user).length)).toEqual([0, 0, 1]);
    });

    it("fails the appends of a write that fails, and stores none of them", async () => {
      const { path, store, rows } = openBoth();
      const admin = new Database(path);
      admin.exec(`CREATE TRIGGER full BEFORE INSERT ON chat_history
                  BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
      const full = "database or disk is full";
      // The turn that waits hears it; one that does not is no unhandled rejection.
      await expect(store.chatHistory.appendTurn(1, hi(1))).rejects.toThrow(full);
      void store.chatHistory.appendTurn(2, hi(2));
      await afterThisTurn();
      // A read that writes first is not failed by it: the failure went to the append.
      const readFirst = store.chatHistory.appendTurn(1, hi(3));
      expect(store.chatHistory.load(1)).toEqual([]);
      await expect(readFirst).rejects.toThrow(full);
      expect(rows()).toEqual([]);

      admin.exec("DROP TRIGGER full");
      await store.chatHistory.appendTurn(1, hi(4));
      expect([1, 2].map((user) => store.chatHistory.load(user).map((t) => t.messages))).toEqual([
        [hi(4)],
        [],
      ]);
    });

    it("fails only the exchange whose rows were refused, not the rest of its batch", async () => {
      const { path, store } = openBoth();
      new Database(path).exec(`CREATE TRIGGER refuse BEFORE INSERT ON chat_history
        WHEN NEW.user_id = 2 BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      const outcomes = await Promise.allSettled(
        [1, 2, 3].map((u) => store.chatHistory.appendTurn(u, hi(u))),
      );
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect([1, 2, 3].map((user) => store.chatHistory.load(user).length)).toEqual([1, 0, 1]);
    });

    it("stores an exchange as handed over, and refuses one JSON cannot hold at once, alone", async () => {
      const { store } = openBoth();
      const messages = [{ role: "user", content: "before" }];
      const written = store.chatHistory.appendTurn(1, messages);
      messages[0] = { role: "user", content: "after" }; // the caller's, once handed over
      const cycle: Record<string, unknown> = { role: "user" };
      cycle.content = cycle;
      expect(() => store.chatHistory.appendTurn(2, [cycle as never])).toThrow(/circular/);
      await written;
      expect([1, 2].map((user) => store.chatHistory.load(user).map((t) => t.messages))).toEqual([
        [[{ role: "user", content: "before" }]],
        [],
      ]);
    });

    it("does not make a read wait on another user's exchange", async () => {
      const { path, store } = openBoth();
      await store.chatHistory.appendTurn(2, hi(2));
      // Another process holds the write lock: writing user 1's exchange would wait on it for
      // the busy timeout, 5 s; reading user 2's history needs no lock at all.
      const writer = new Database(path);
      writer.exec("BEGIN IMMEDIATE");
      const waiting = store.chatHistory.appendTurn(1, hi(1));
      expect(store.chatHistory.load(2)).toHaveLength(1);
      writer.exec("COMMIT");
      await waiting;
      expect(store.chatHistory.load(1)).toHaveLength(1);
    });

    it("keeps history out of a store transaction's rollback, and appends inside one in it", async () => {
      const { store } = openBoth();
      const before = store.chatHistory.appendTurn(1, hi(1));
      const rollback = new Error("something else in the transaction failed");
      expect(() =>
        store.transaction(() => {
          store.chatHistory.load(1);
          void store.chatHistory.appendTurn(2, hi(2));
          throw rollback;
        }),
      ).toThrow(rollback);
      await before;
      await afterThisTurn();
      expect([1, 2].map((user) => store.chatHistory.load(user).length)).toEqual([1, 0]);
    });
  });

  it("forgets one user on reset and expires old messages for everyone", () => {
    const { store, clock } = clockedStore();
    store.chatHistory.appendTurn(1, [{ role: "user", content: "old" }]);
    clock.now = 20_000;
    store.chatHistory.appendTurn(1, [{ role: "user", content: "new" }]);
    store.chatHistory.appendTurn(2, [{ role: "user", content: "b" }]);
    expect(store.chatHistory.load(1, { sinceMs: 15_000 }).map((t) => t.messages)).toEqual([
      [{ role: "user", content: "new" }],
    ]);
    expect(store.chatHistory.purgeOlderThan(15_000)).toBe(1);
    store.chatHistory.clear(1);
    expect(store.chatHistory.load(1)).toEqual([]);
    expect(store.chatHistory.load(2)).toHaveLength(1);
  });
});

describe("pending actions repository", () => {
  it("runs once, only for its own user, only before expiry", () => {
    const { store, clock } = clockedStore();
    store.pendingActions.create({
      id: "p1",
      userId: 1001,
      action: "destroy",
      target: "dev",
      ttlMs: 60_000,
    });
    expect(store.pendingActions.consume("p1", 2002)).toEqual({ ok: false, reason: "not-yours" });
    expect(store.pendingActions.consume("nope", 1001)).toEqual({ ok: false, reason: "unknown" });
    const first = store.pendingActions.consume("p1", 1001);
    expect(first).toMatchObject({
      ok: true,
      action: { id: "p1", action: "destroy", target: "dev", expiresAtMs: 70_000 },
    });
    expect(store.pendingActions.consume("p1", 1001)).toEqual({ ok: false, reason: "used" });

    store.pendingActions.create({
      id: "p2",
      userId: 1001,
      action: "destroy",
      target: "web",
      ttlMs: 1_000,
    });
    clock.now = 11_000;
    expect(store.pendingActions.consume("p2", 1001)).toEqual({ ok: false, reason: "expired" });
  });

  it("lets exactly one of many concurrent confirmations through", async () => {
    const dir = tempDir();
    const path = join(dir, "voxnix.sqlite");
    const stores = Array.from({ length: 4 }, () => openStore(path));
    stores[0]?.pendingActions.create({
      id: "p",
      userId: 1,
      action: "destroy",
      target: "dev",
      ttlMs: 60_000,
    });
    const results = await Promise.all(stores.map(async (s) => s.pendingActions.consume("p", 1).ok));
    expect(results.filter(Boolean)).toHaveLength(1);
    for (const s of stores) s.close();
  });

  it("purges expired actions", () => {
    const { store, clock } = clockedStore();
    store.pendingActions.create({
      id: "a",
      userId: 1,
      action: "destroy",
      target: "x",
      ttlMs: 1_000,
      payload: { keep: true },
    });
    store.pendingActions.create({
      id: "b",
      userId: 1,
      action: "destroy",
      target: "y",
      ttlMs: 100_000,
    });
    expect(store.pendingActions.find("a")?.payload).toEqual({ keep: true });
    clock.now = 50_000;
    expect(store.pendingActions.purgeExpired()).toBe(1);
    expect(store.pendingActions.find("a")).toBeUndefined();
    expect(store.pendingActions.find("b")).toBeDefined();
  });
});

describe("trash repository", () => {
  it("keeps what the registry knew of a trashed container beside its spec", () => {
    const { store } = clockedStore();
    const spec = { version: 1, name: "dev" };
    store.trash.add({
      id: "dev-1",
      ownerId: 1001,
      containerName: "dev",
      spec,
      kept: { pinned: true, idleStopMs: 3_600_000, lifetimeLeftMs: undefined },
    });
    store.trash.add({ id: "old-1", ownerId: 1001, containerName: "old", spec });
    expect(store.trash.find("dev-1")?.kept).toEqual({
      pinned: true,
      idleStopMs: 3_600_000,
      lifetimeLeftMs: undefined,
    });
    // An entry from before migration 13 (or written without it) has no record: nothing to give back.
    expect(store.trash.find("old-1")?.kept).toBeUndefined();
  });
});
