import type { Db } from "./database.js";

export interface UserQuota {
  readonly userId: number;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Who set it, as the audit names actors. */
  readonly setBy: string;
  readonly setAtMs: number;
}

interface Row {
  user_id: number;
  cpus: number;
  memory_bytes: number;
  set_by: string;
  set_at: number;
}

const fromRow = (row: Row): UserQuota => ({
  userId: row.user_id,
  cpus: row.cpus,
  memoryBytes: row.memory_bytes,
  setBy: row.set_by,
  setAtMs: row.set_at,
});

/** Compute quotas the admin set for particular users (the rest have the configured defaults). */
export function userQuotasRepository(db: Db, now: () => number) {
  const upsert = db.prepare<[number, number, number, string, number]>(
    `INSERT INTO user_quotas (user_id, cpus, memory_bytes, set_by, set_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET cpus = excluded.cpus,
       memory_bytes = excluded.memory_bytes, set_by = excluded.set_by, set_at = excluded.set_at`,
  );
  const find = db.prepare<[number], Row>(`SELECT * FROM user_quotas WHERE user_id = ?`);
  const remove = db.prepare<[number]>(`DELETE FROM user_quotas WHERE user_id = ?`);
  return {
    set(input: { userId: number; cpus: number; memoryBytes: number; setBy: string }): UserQuota {
      upsert.run(input.userId, input.cpus, input.memoryBytes, input.setBy, now());
      return fromRow(find.get(input.userId) as Row);
    },
    find(userId: number): UserQuota | undefined {
      const row = find.get(userId);
      return row && fromRow(row);
    },
    /** Back to the defaults; false when there was nothing set. */
    clear: (userId: number): boolean => remove.run(userId).changes === 1,
  };
}
