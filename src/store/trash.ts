import type { Db } from "./database.js";
import type { JsonObject } from "./json.js";
import { readSpec, type SpecCodec } from "./spec-codec.js";

export interface TrashRecord<Spec = JsonObject> {
  readonly id: string;
  readonly ownerId: number;
  readonly containerName: string;
  /** The destroyed container's spec, so a restore can offer the same modules. */
  readonly spec: Spec;
  readonly trashedAtMs: number;
}

interface Row {
  id: string;
  owner_id: number;
  container_name: string;
  spec: string;
  trashed_at: number;
}

const fromRow = <Spec>(row: Row, codec: SpecCodec<Spec>): TrashRecord<Spec> => ({
  id: row.id,
  ownerId: row.owner_id,
  containerName: row.container_name,
  spec: readSpec(codec, row.spec, `trash ${row.id}`),
  trashedAtMs: row.trashed_at,
});

/** Workspaces of destroyed containers, kept for VOXNIX_TRASH_DAYS. */
export function trashRepository<Spec>(db: Db, now: () => number, codec: SpecCodec<Spec>) {
  const read = (row: Row) => fromRow(row, codec);
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
    add(input: { id: string; ownerId: number; containerName: string; spec: Spec }): void {
      insert.run(input.id, input.ownerId, input.containerName, JSON.stringify(input.spec), now());
    },
    find(id: string): TrashRecord<Spec> | undefined {
      const row = find.get(id);
      return row && read(row);
    },
    listByOwner: (ownerId: number): TrashRecord<Spec>[] => byOwner.all(ownerId).map(read),
    listAll: (): TrashRecord<Spec>[] => all.all().map(read),
    olderThan: (beforeMs: number): TrashRecord<Spec>[] => olderThan.all(beforeMs).map(read),
    remove: (id: string): boolean => remove.run(id).changes === 1,
  };
}

export type TrashRepository<Spec = JsonObject> = ReturnType<typeof trashRepository<Spec>>;
