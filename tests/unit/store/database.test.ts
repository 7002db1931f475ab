import Database from "better-sqlite3";
import { execa } from "execa";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../../../src/store/database.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { SchemaTooNewError } from "../../../src/store/index.js";
import { tempDir } from "../../support/temp-dir.js";

const DATABASE = fileURLToPath(new URL("../../../src/store/database.ts", import.meta.url));

describe("openDatabase", () => {
  it("creates the file in WAL mode with foreign keys and a busy timeout", () => {
    const db = openDatabase(join(tempDir(), "nested/dir/voxnix.sqlite"));
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    db.close();
  });

  it("is opened by several processes at once on a new file, each migration applied once", async () => {
    const path = join(tempDir(), "voxnix.sqlite");
    // Each process loads the module, then waits for the same instant to open: a real race.
    const at = Date.now() + 3_000;
    const open = `import(${JSON.stringify(DATABASE)}).then((m) => { while (Date.now() < ${at}) {} m.openDatabase(process.argv[1]).close(); })`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        execa(
          process.execPath,
          ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", open, path],
          { reject: false },
        ),
      ),
    );
    expect(results.map((r) => [r.exitCode, String(r.stderr)])).toEqual(results.map(() => [0, ""]));
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    db.close();
  });

  it("applies each migration once, across restarts", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    openDatabase(path).close();
    const db = openDatabase(path);
    expect(migrate(db)).toBe(0);
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual([
      "audit",
      "chat_history",
      "container_activity",
      "container_addresses",
      "containers",
      "notices",
      "notification_prefs",
      "notified",
      "operations",
      "pending_actions",
      "secret_uses",
      "secrets",
      "tailnet_bindings",
      "trash",
      "usage_samples",
      "user_quotas",
      "users",
    ]);
    db.close();
  });

  it("opens an up-to-date database while another connection is writing to it", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    openDatabase(path).close();
    const daemon = new Database(path);
    daemon.prepare("BEGIN IMMEDIATE").run();
    daemon.prepare("INSERT INTO users (id, role, approved_at) VALUES (7, 'user', 0)").run();
    try {
      // Taking a write lock here would wait out the busy timeout (5 s), then fail: locked.
      const cli = openDatabase(path);
      expect(cli.prepare("SELECT count(*) FROM users").pluck().get()).toBe(0);
      cli.close();
    } finally {
      daemon.prepare("COMMIT").run();
      daemon.close();
    }
  });

  it("rolls back a failing migration whole and keeps the version", () => {
    const db = openDatabase(":memory:");
    const broken = [
      ...MIGRATIONS,
      { version: 99, name: "broken", sql: "CREATE TABLE x (a); INSERT INTO nope VALUES (1);" },
    ];
    expect(() => migrate(db, broken)).toThrow(/no such table: nope/);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'x'").pluck().get()).toBe(0);
  });

  it("refuses a database written by a newer voxnix", () => {
    const path = join(tempDir(), "voxnix.sqlite");
    const raw = new Database(path);
    raw.pragma("user_version = 999");
    raw.close();
    expect(() => openDatabase(path)).toThrow(SchemaTooNewError);
  });
});
