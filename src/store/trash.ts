import type { Db } from "./database.js";
import { fromJsonText, toJsonText, type JsonObject } from "./json.js";
import { readSpec, type SpecCodec } from "./spec-codec.js";

export interface TrashRecord<Spec = JsonObject> {
  readonly id: string;
  readonly ownerId: number;
  readonly containerName: string;
  /** The destroyed container's spec: modules, limits, user range, fork mark. */
  readonly spec: Spec;
  /** What else the registry knew of it (undefined for entries from before migration 13). */
  readonly kept: TrashKept | undefined;
  readonly trashedAtMs: number;
}

/** A trashed container's settings beyond its spec, which a restore gives back. */
export interface TrashKept {
  readonly pinned: boolean;
  /** Its own idle period (0 = never stop it); undefined for the host's. */
  readonly idleStopMs?: number | undefined;
  /** What was left of the lifetime asked for at create; undefined for none (or none left). */
  readonly lifetimeLeftMs?: number | undefined;
}

const TrashKeptShape = {
  read(text: string | null, where: string): TrashKept | undefined {
    const value = fromJsonText<JsonObject>(text);
    if (value === undefined) return undefined;
    const number = (key: string) => {
      const v = value[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
        throw new Error(`${where}: kept.${key} is not a number of ms`);
      return v;
    };
    return {
      pinned: value.pinned === true,
      idleStopMs: number("idleStopMs"),
      lifetimeLeftMs: number("lifetimeLeftMs"),
    };
  },
};

interface Row {
  id: string;
  owner_id: number;
  container_name: string;
  spec: string;
  kept: string | null;
  trashed_at: number;
}

const fromRow = <Spec>(row: Row, codec: SpecCodec<Spec>): TrashRecord<Spec> => ({
  id: row.id,
  ownerId: row.owner_id,
  containerName: row.container_name,
  spec: readSpec(codec, row.spec, `trash ${row.id}`),
  kept: TrashKeptShape.read(row.kept, `trash ${row.id}`),
  trashedAtMs: row.trashed_at,
});

/** Workspaces of destroyed containers, kept for VOXNIX_TRASH_DAYS. */
export function trashRepository<Spec>(db: Db, now: () => number, codec: SpecCodec<Spec>) {
  const read = (row: Row) => fromRow(row, codec);
  const insert = db.prepare<[string, number, string, string, string | null, number]>(
    `INSERT INTO trash (id, owner_id, container_name, spec, kept, trashed_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
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
    add(input: {
      id: string;
      ownerId: number;
      containerName: string;
      spec: Spec;
      kept?: TrashKept;
    }): void {
      insert.run(
        input.id,
        input.ownerId,
        input.containerName,
        JSON.stringify(input.spec),
        input.kept
          ? toJsonText({
              pinned: input.kept.pinned,
              ...(input.kept.idleStopMs !== undefined ? { idleStopMs: input.kept.idleStopMs } : {}),
              ...(input.kept.lifetimeLeftMs !== undefined
                ? { lifetimeLeftMs: input.kept.lifetimeLeftMs }
                : {}),
            })
          : null,
        now(),
      );
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
