/**
 * Schema migrations, applied in order at start-up. Each runs once, in its own transaction, and
 * `PRAGMA user_version` records the last one applied. Never edit a migration that has shipped:
 * add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "registry, users, audit, chat history, pending actions",
    sql: `
      -- Container names are nspawn machine names, so they are unique host-wide: the primary key
      -- is the guarantee, not a check in code that could race.
      CREATE TABLE containers (
        name        TEXT PRIMARY KEY,
        owner_id    INTEGER NOT NULL,
        spec        TEXT NOT NULL CHECK (json_valid(spec)),
        state       TEXT NOT NULL CHECK (state IN ('creating', 'running', 'stopped', 'failed', 'destroying')),
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX containers_by_owner ON containers (owner_id);

      CREATE TABLE users (
        id           INTEGER PRIMARY KEY,
        role         TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        display_name TEXT,
        approved_by  INTEGER,
        approved_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       INTEGER NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        target   TEXT,
        outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
        detail   TEXT CHECK (detail IS NULL OR json_valid(detail))
      ) STRICT;
      CREATE INDEX audit_by_target ON audit (target, at);

      -- One row per message; turn groups the messages of one exchange so trimming removes whole
      -- turns and never separates a tool call from its result.
      CREATE TABLE chat_history (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id  INTEGER NOT NULL,
        turn     INTEGER NOT NULL,
        at       INTEGER NOT NULL,
        message  TEXT NOT NULL CHECK (json_valid(message))
      ) STRICT;
      CREATE INDEX chat_history_by_user ON chat_history (user_id, turn);

      CREATE TABLE pending_actions (
        id          TEXT PRIMARY KEY,
        user_id     INTEGER NOT NULL,
        action      TEXT NOT NULL,
        target      TEXT NOT NULL,
        payload     TEXT CHECK (payload IS NULL OR json_valid(payload)),
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "trash",
    sql: `
      -- Set when a destroy starts, so a destroy interrupted by a crash finishes under the same id.
      ALTER TABLE containers ADD COLUMN trash_id TEXT;

      -- Workspaces of destroyed containers, restorable into a new container until purged.
      CREATE TABLE trash (
        id              TEXT PRIMARY KEY,
        owner_id        INTEGER NOT NULL,
        container_name  TEXT NOT NULL,
        spec            TEXT NOT NULL CHECK (json_valid(spec)),
        trashed_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX trash_by_owner ON trash (owner_id, trashed_at);
    `,
  },
  {
    version: 3,
    name: "operation leases and notices",
    sql: `
      -- One row per state-changing operation in flight, named for the process doing it. The
      -- unique columns are the lease: a container, or a trash entry, has at most one operation,
      -- whichever process (daemon or admin CLI) started it. Reconcile repairs an operation only
      -- once its holder is provably gone (another boot, or no process with that pid and start
      -- time); holder_pid 0 is an operation its holder gave up for reconcile to finish.
      CREATE TABLE operations (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('create', 'restore', 'destroy', 'start', 'stop', 'restart', 'purge')),
        container     TEXT UNIQUE,
        trash_id      TEXT UNIQUE,
        owner_id      INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        holder_pid    INTEGER NOT NULL,
        holder_boot   TEXT NOT NULL,
        holder_start  INTEGER NOT NULL,
        started_at    INTEGER NOT NULL,
        -- Where the operation reports progress ({"chatId", "messageId"}), so that after a crash
        -- reconcile can turn that message into the real outcome.
        report        TEXT CHECK (report IS NULL OR json_valid(report)),
        -- What the operation has made so far (a JSON array, e.g. ["workspace"]), so a repair
        -- undoes only that and never something that was there before it.
        made          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(made)),
        CHECK (container IS NOT NULL OR trash_id IS NOT NULL)
      ) STRICT;

      -- What a person must be told that no running request will tell them (a repair after a
      -- crash, made by whichever process reconciled): the daemon delivers and deletes them.
      CREATE TABLE notices (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id     INTEGER NOT NULL,
        chat_id     INTEGER,
        message_id  INTEGER,
        text        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: "per-user compute quotas",
    sql: `
      -- What one user's running containers may use together, when the admin set it for them;
      -- a user without a row has the configured defaults (VOXNIX_USER_CPUS, _MEMORY). Any user
      -- id, configured or approved: a quota outlives a revoke and a re-grant.
      CREATE TABLE user_quotas (
        user_id       INTEGER PRIMARY KEY,
        cpus          REAL NOT NULL CHECK (cpus > 0),
        memory_bytes  INTEGER NOT NULL CHECK (memory_bytes > 0),
        set_by        TEXT NOT NULL,
        set_at        INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: "notifications",
    sql: `
      -- A user who muted what voxnix tells unasked (crashes, quota, trash, an admin's actions).
      CREATE TABLE notification_prefs (
        user_id     INTEGER PRIMARY KEY,
        muted       INTEGER NOT NULL CHECK (muted IN (0, 1)),
        changed_at  INTEGER NOT NULL
      ) STRICT;

      -- Notifications that are said once per occasion (a quota crossing 90 %, a trash entry
      -- about to be purged): the row is the "already said", across restarts and processes.
      CREATE TABLE notified (
        user_id  INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        key      TEXT NOT NULL,
        at       INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind, key)
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: "idle policy",
    sql: `
      -- What the idle policy knows of a container between passes: the last sample of its CPU
      -- time and workspace size (a change is activity), when it was last active, whether its
      -- owner was warned, and whether it is pinned (never stopped for being idle). Stored, so a
      -- restart keeps every countdown.
      CREATE TABLE container_activity (
        name             TEXT PRIMARY KEY REFERENCES containers (name) ON DELETE CASCADE,
        sampled_at       INTEGER NOT NULL,
        cpu_ns           INTEGER,
        workspace_bytes  INTEGER,
        last_active_at   INTEGER NOT NULL,
        warned_at        INTEGER,
        pinned           INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1))
      ) STRICT;

      -- Buttons under a notice (JSON [{ "text", "data" }]), e.g. Keep alive under an idle warning.
      ALTER TABLE notices ADD COLUMN buttons TEXT CHECK (buttons IS NULL OR json_valid(buttons));
    `,
  },
  {
    version: 7,
    name: "container lifetimes",
    sql: `
      -- A lifetime asked for at create ("for 3 days"): past it the container goes to the trash.
      ALTER TABLE container_activity ADD COLUMN expires_at INTEGER;
    `,
  },
  {
    version: 8,
    name: "restarts, idle overrides and usage history",
    sql: `
      -- systemd's restart count (NRestarts) when a restart window began, and when: a container
      -- that systemd restarted again and again within the window is restart-looping.
      ALTER TABLE container_activity ADD COLUMN restarts INTEGER;
      ALTER TABLE container_activity ADD COLUMN restarts_since INTEGER;
      -- Stop after this long idle instead of the host's default; 0 = never.
      ALTER TABLE container_activity ADD COLUMN idle_stop_ms INTEGER CHECK (idle_stop_ms >= 0);

      -- What each running container used, at a coarse interval, for usage over time. Not tied to
      -- the containers table: a destroyed container's history still tells its owner's usage.
      CREATE TABLE usage_samples (
        at               INTEGER NOT NULL,
        container        TEXT NOT NULL,
        owner_id         INTEGER NOT NULL,
        cpu_ns           INTEGER,
        memory_bytes     INTEGER,
        workspace_bytes  INTEGER
      ) STRICT;
      CREATE INDEX usage_samples_by_owner ON usage_samples (owner_id, at);
      CREATE INDEX usage_samples_by_container ON usage_samples (container, at);
    `,
  },
  {
    version: 9,
    name: "snapshot and rollback operations",
    sql: `
      -- A CHECK constraint cannot be altered in SQLite: the table is made again with the new
      -- kinds and its rows copied over, in this migration's transaction (no table refers to it).
      CREATE TABLE operations_next (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('create', 'restore', 'destroy', 'start', 'stop', 'restart', 'purge', 'snapshot', 'rollback')),
        container     TEXT UNIQUE,
        trash_id      TEXT UNIQUE,
        owner_id      INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        holder_pid    INTEGER NOT NULL,
        holder_boot   TEXT NOT NULL,
        holder_start  INTEGER NOT NULL,
        started_at    INTEGER NOT NULL,
        -- Where the operation reports progress ({"chatId", "messageId"}), so that after a crash
        -- reconcile can turn that message into the real outcome.
        report        TEXT CHECK (report IS NULL OR json_valid(report)),
        -- What the operation has made so far (a JSON array, e.g. ["workspace"]), so a repair
        -- undoes only that and never something that was there before it.
        made          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(made)),
        CHECK (container IS NOT NULL OR trash_id IS NOT NULL)
      ) STRICT;
      INSERT INTO operations_next SELECT * FROM operations;
      DROP TABLE operations;
      ALTER TABLE operations_next RENAME TO operations;
    `,
  },
  {
    version: 10,
    name: "change-in-place operations",
    sql: `
      -- As in version 9: the table again, with 'reconfigure' among its kinds.
      CREATE TABLE operations_next (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('create', 'restore', 'destroy', 'start', 'stop', 'restart', 'purge', 'snapshot', 'rollback', 'reconfigure')),
        container     TEXT UNIQUE,
        trash_id      TEXT UNIQUE,
        owner_id      INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        holder_pid    INTEGER NOT NULL,
        holder_boot   TEXT NOT NULL,
        holder_start  INTEGER NOT NULL,
        started_at    INTEGER NOT NULL,
        -- Where the operation reports progress ({"chatId", "messageId"}), so that after a crash
        -- reconcile can turn that message into the real outcome.
        report        TEXT CHECK (report IS NULL OR json_valid(report)),
        -- What the operation has made so far (a JSON array, e.g. ["workspace"]), so a repair
        -- undoes only that and never something that was there before it.
        made          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(made)),
        CHECK (container IS NOT NULL OR trash_id IS NOT NULL)
      ) STRICT;
      INSERT INTO operations_next SELECT * FROM operations;
      DROP TABLE operations;
      ALTER TABLE operations_next RENAME TO operations;
    `,
  },
  {
    version: 11,
    name: "tailnet bindings",
    sql: `
      -- Which tailnet device is a container's, by what its tenant cannot choose (a device's
      -- hostname and name are the tenant's): the one-off key minted for it, with the API's own
      -- times, and the device's stable node id once bound. No foreign key to containers: a row
      -- outlives its container until the device is gone (workloads/primitives/tailnet.ts).
      CREATE TABLE tailnet_bindings (
        container       TEXT PRIMARY KEY,
        owner_id        INTEGER NOT NULL,
        key_id          TEXT NOT NULL,
        key_created_at  INTEGER NOT NULL,
        key_expires_at  INTEGER NOT NULL,
        node_id         TEXT UNIQUE,
        bound_at        INTEGER,
        CHECK ((node_id IS NULL) = (bound_at IS NULL))
      ) STRICT;
    `,
  },
  {
    version: 12,
    name: "container addresses",
    sql: `
      -- Each container's IPv4 address on the containers' network (src/container-network.ts), as
      -- a 32-bit number, written into its conf at install. The primary key makes an address one
      -- container's and UNIQUE gives a container one address, decided by SQLite even when two
      -- processes assign at once. When the container's row goes (destroy, a create rolled
      -- back), its address stays here without a container: fresh addresses are handed out first,
      -- and a released one again only once the network has none left (src/store/addresses.ts).
      CREATE TABLE container_addresses (
        address      INTEGER PRIMARY KEY,
        container    TEXT UNIQUE REFERENCES containers (name) ON DELETE SET NULL,
        assigned_at  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 13,
    name: "what a trashed container was",
    sql: `
      -- What the registry knew of a destroyed container beyond its spec (the spec holds its
      -- modules, limits, user range and fork mark): its pin, its own idle period and what was
      -- left of its lifetime, as JSON, so a restore or an Undo brings it back as it was. Null
      -- for entries trashed before this, which come back with none of them.
      ALTER TABLE trash ADD COLUMN kept TEXT CHECK (kept IS NULL OR json_valid(kept));
    `,
  },
  {
    version: 14,
    name: "secrets",
    sql: `
      -- A person's secrets (API keys) for the egress proxy (src/egress): the value only sealed
      -- with the host's key (AES-256-GCM, a nonce per value, the owner and name bound in as
      -- additional data: workloads/primitives/secret-box.ts), never in clear. kind says which
      -- upstream it is for and how it is injected; host and header only for the generic kinds.
      CREATE TABLE secrets (
        id          INTEGER PRIMARY KEY,
        owner_id    INTEGER NOT NULL,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        host        TEXT NOT NULL,
        header      TEXT,
        sealed      BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (owner_id, name)
      ) STRICT;
      -- Which containers may use a secret through the proxy, and how often they did. A
      -- container's uses go with its row (destroy), a secret's with the secret.
      CREATE TABLE secret_uses (
        secret_id     INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
        container     TEXT NOT NULL REFERENCES containers (name) ON DELETE CASCADE,
        granted_at    INTEGER NOT NULL,
        requests      INTEGER NOT NULL DEFAULT 0,
        last_used_at  INTEGER,
        PRIMARY KEY (secret_id, container)
      ) STRICT;
      CREATE INDEX secret_uses_container ON secret_uses (container);
    `,
  },
  {
    version: 15,
    name: "notice claims",
    sql: `
      -- When a process took a notice to deliver it (src/store/notices.ts): the daemon and a
      -- console both deliver from the outbox, and a claim keeps one from showing what the other
      -- is showing. Null: free to take; an old claim is a deliverer that died, and lapses.
      ALTER TABLE notices ADD COLUMN claimed_at INTEGER;
    `,
  },
];
