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
    // First: switching to WAL writes, and another process may be opening the file too.
    db.pragma("busy_timeout = 5000");
    toWal(db);
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Switches a database to WAL. Two connections switching a new file at once both hold a shared
 * lock and want an exclusive one; SQLite answers one of them SQLITE_BUSY at once instead of
 * calling the busy handler (it would deadlock), so that one waits a little and tries again.
 */
function toWal(db: Db, attempts = 100): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Applies the migrations newer than the database's `user_version`; returns how many ran.
 * The version is read again inside each migration's write transaction: two processes opening a
 * new database at once (the daemon and the CLI, two CLI verbs) would otherwise both run it.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const version = () => db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  const found = version();
  if (found > latest) throw new SchemaTooNewError(found, latest);
  // Up to date, as every start but an upgrade's finds it: no write transaction, so a CLI verb
  // or a restart opens the registry at once while the daemon is writing to it.
  if (found === latest) return 0;
  let applied = 0;
  for (const migration of migrations) {
    db.transaction(() => {
      if (version() >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
      applied++;
    }).immediate();
  }
  return applied;
}
