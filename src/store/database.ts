import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { VoxnixError } from "../errors.js";
import { MIGRATIONS, type Migration } from "./migrations.js";

export type Db = Database.Database;

/** The database file was written by a newer voxnix: refusing beats corrupting it. */
export class SchemaTooNewError extends VoxnixError {
  readonly userMessage = "voxnix was downgraded over a newer database; the admin has the details.";

  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `database schema version ${found} is newer than this voxnix knows (${known}); upgrade voxnix`,
    );
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
 *
 * WAL lets the CLI read while the daemon writes; the busy timeout makes a second writer wait
 * rather than fail; foreign keys are off by default in SQLite and must be asked for.
 * `:memory:` is accepted for tests that need no file.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations newer than the database's `user_version`; returns how many ran. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);
  const pending = migrations.filter((m) => m.version > current);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return pending.length;
}
