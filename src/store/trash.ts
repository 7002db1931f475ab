import type { Db } from "./database.js";
import type { JsonObject } from "./json.js";

export interface TrashRecord {
  readonly id: string;
  readonly ownerId: number;
  readonly containerName: string;
  /** The destroyed container's spec, so a restore can offer the same modules. */
  readonly spec: JsonObject;
  readonly trashedAtMs: number;
}

interface Row {
  id: string;
  owner_id: number;
  container_name: string;
  spec: string;
  trashed_at: number;
}

const fromRow = (row: Row): TrashRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  containerName: row.container_name,
  spec: JSON.parse(row.spec) as JsonObject,
  trashedAtMs: row.trashed_at,
});

/** Workspaces of destroyed containers, kept for VOXNIX_TRASH_DAYS. */
export function trashRepository(db: Db, now: () => number) {
  const insert = db.prepare<[string, number, string, string, number]>(
    `INSERT INTO trash (id, owner_id, container_name, spec, trashed_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const find = db.prepare<[string], Row>(`SELECT * FROM trash WHERE id = ?`);
  const byOwner = db.prepare<[number], Row>(
    `SELECT * FROM trash WHERE owner_id = ? ORDER BY trashed_at DESC`,
  );
  const all = db.prepare<[], Row>(`SELECT * FROM trash ORDER BY trashed_at DESC`);
  const olderThan = db.prepare<[number], Row>(
    `SELECT * FROM trash WHERE trashed_at < ? ORDER BY trashed_at`,
  );
  const remove = db.prepare<[string]>(`DELETE FROM trash WHERE id = ?`);

  return {
    /** Records a trashed workspace; recording the same id twice keeps the first. */
    add(input: { id: string; ownerId: number; containerName: string; spec: JsonObject }): void {
      insert.run(input.id, input.ownerId, input.containerName, JSON.stringify(input.spec), now());
    },
    find(id: string): TrashRecord | undefined {
      const row = find.get(id);
      return row && fromRow(row);
    },
    listByOwner: (ownerId: number): TrashRecord[] => byOwner.all(ownerId).map(fromRow),
    listAll: (): TrashRecord[] => all.all().map(fromRow),
    olderThan: (beforeMs: number): TrashRecord[] => olderThan.all(beforeMs).map(fromRow),
    remove: (id: string): boolean => remove.run(id).changes === 1,
  };
}

export type TrashRepository = ReturnType<typeof trashRepository>;
