import type { Db } from "./database.js";

export interface ActivityRecord {
  readonly name: string;
  readonly sampledAtMs: number;
  readonly cpuNs: number | undefined;
  readonly workspaceBytes: number | undefined;
  readonly lastActiveAtMs: number;
  readonly warnedAtMs: number | undefined;
  readonly pinned: boolean;
  /** When it goes to the trash, if a lifetime was asked for at create. */
  readonly expiresAtMs: number | undefined;
  /** systemd's restart count when the current restart window began, and when it began. */
  readonly restartWindow: { readonly count: number; readonly sinceMs: number } | undefined;
  /** Stop after this long idle, instead of the host's default; 0 = never. */
  readonly idleStopMs: number | undefined;
}

interface Row {
  name: string;
  sampled_at: number;
  cpu_ns: number | null;
  workspace_bytes: number | null;
  last_active_at: number;
  warned_at: number | null;
  pinned: number;
  expires_at: number | null;
  restarts: number | null;
  restarts_since: number | null;
  idle_stop_ms: number | null;
}

const fromRow = (row: Row): ActivityRecord => ({
  name: row.name,
  sampledAtMs: row.sampled_at,
  cpuNs: row.cpu_ns ?? undefined,
  workspaceBytes: row.workspace_bytes ?? undefined,
  lastActiveAtMs: row.last_active_at,
  warnedAtMs: row.warned_at ?? undefined,
  pinned: row.pinned === 1,
  expiresAtMs: row.expires_at ?? undefined,
  restartWindow:
    row.restarts !== null && row.restarts_since !== null
      ? { count: row.restarts, sinceMs: row.restarts_since }
      : undefined,
  idleStopMs: row.idle_stop_ms ?? undefined,
});

/** The idle policy's memory of each container (workloads/policy/idle.ts). */
export function activityRepository(db: Db, now: () => number) {
  const find = db.prepare<[string], Row>(`SELECT * FROM container_activity WHERE name = ?`);
  const sample = db.prepare<
    [{ name: string; at: number; cpu: number | null; bytes: number | null; active: number }]
  >(
    `INSERT INTO container_activity (name, sampled_at, cpu_ns, workspace_bytes, last_active_at)
     VALUES (@name, @at, @cpu, @bytes, @active)
     ON CONFLICT (name) DO UPDATE SET sampled_at = @at, cpu_ns = @cpu, workspace_bytes = @bytes`,
  );
  const active = db.prepare<[number, string]>(
    `UPDATE container_activity SET last_active_at = ?, warned_at = NULL WHERE name = ?`,
  );
  // Claimed, not set: of two idle passes at once (the daemon and `voxnix idle`), one warns.
  const warned = db.prepare<[number, string, number]>(
    `UPDATE container_activity SET warned_at = ?
     WHERE name = ? AND (warned_at IS NULL OR warned_at < ?)`,
  );
  const expire = db.prepare<[{ name: string; at: number; expires: number | null }]>(
    `INSERT INTO container_activity (name, sampled_at, last_active_at, expires_at)
     VALUES (@name, @at, @at, @expires)
     ON CONFLICT (name) DO UPDATE SET expires_at = @expires, warned_at = NULL`,
  );
  const pin = db.prepare<[{ name: string; at: number; pinned: number }]>(
    `INSERT INTO container_activity (name, sampled_at, last_active_at, pinned)
     VALUES (@name, @at, @at, @pinned)
     ON CONFLICT (name) DO UPDATE SET pinned = @pinned`,
  );
  const restartWindow = db.prepare<[number, number, string]>(
    `UPDATE container_activity SET restarts = ?, restarts_since = ? WHERE name = ?`,
  );
  const idleStop = db.prepare<[{ name: string; at: number; ms: number | null }]>(
    `INSERT INTO container_activity (name, sampled_at, last_active_at, idle_stop_ms)
     VALUES (@name, @at, @at, @ms)
     ON CONFLICT (name) DO UPDATE SET idle_stop_ms = @ms, warned_at = NULL`,
  );
  return {
    find(name: string): ActivityRecord | undefined {
      const row = find.get(name);
      return row && fromRow(row);
    },
    /**
     * Records a sample; a container seen for the first time counts as last active now, or at
     * `firstActiveAtMs` (a stopped container: when it stopped).
     */
    sample(
      name: string,
      values: { cpuNs: number | undefined; workspaceBytes: number | undefined },
      firstActiveAtMs: number = now(),
    ) {
      sample.run({
        name,
        at: now(),
        cpu: values.cpuNs ?? null,
        bytes: values.workspaceBytes ?? null,
        active: firstActiveAtMs,
      });
    },
    /** It was used (or its owner said keep it): the idle countdown starts again. */
    active: (name: string) => void active.run(now(), name),
    /**
     * Claims the warning for the current countdown: true for the one caller that records it,
     * false when a warning was given since `since` (default: ever, in this countdown).
     */
    claimWarning: (name: string, since = 0): boolean =>
      warned.run(now(), name, since).changes === 1,
    /** Sets (or with undefined, clears) when the container goes to the trash. */
    setExpiry: (name: string, expiresAtMs: number | undefined) =>
      void expire.run({ name, at: now(), expires: expiresAtMs ?? null }),
    setPinned: (name: string, pinned: boolean) =>
      void pin.run({ name, at: now(), pinned: pinned ? 1 : 0 }),
    /** Starts a restart window at systemd's count `count` (the row must exist). */
    startRestartWindow: (name: string, count: number) => void restartWindow.run(count, now(), name),
    /** Sets (or with undefined, clears) the container's own idle period; 0 = never stop. */
    setIdleStop: (name: string, ms: number | undefined) =>
      void idleStop.run({ name, at: now(), ms: ms ?? null }),
  };
}
