import type { Db } from "./database.js";
import type { JsonObject } from "./json.js";
import { readSpec, type SpecCodec } from "./spec-codec.js";

export const CONTAINER_STATES = ["creating", "running", "stopped", "failed", "destroying"] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

export interface ContainerRecord<Spec = JsonObject> {
  readonly name: string;
  readonly ownerId: number;
  /** The validated spec as staged for the host, parsed on read; workloads/ owns its shape. */
  readonly spec: Spec;
  readonly state: ContainerState;
  readonly createdAtMs: number;
  /** Grows with every change to the row, even two within one millisecond (a version, too). */
  readonly updatedAtMs: number;
  /** The trash id chosen when a destroy began; undefined otherwise. */
  readonly trashId: string | undefined;
}

interface Row {
  name: string;
  owner_id: number;
  spec: string;
  state: ContainerState;
  created_at: number;
  updated_at: number;
  trash_id: string | null;
}

const fromRow = <Spec>(row: Row, codec: SpecCodec<Spec>): ContainerRecord<Spec> => ({
  name: row.name,
  ownerId: row.owner_id,
  spec: readSpec(codec, row.spec, `container ${row.name}`),
  state: row.state,
  createdAtMs: row.created_at,
  updatedAtMs: row.updated_at,
  trashId: row.trash_id ?? undefined,
});

/** The container registry: who owns what, with which spec, in which state. */
export function containersRepository<Spec>(db: Db, now: () => number, codec: SpecCodec<Spec>) {
  const read = (row: Row) => fromRow(row, codec);
  const insert = db.prepare<[string, number, string, string, number, number]>(
    `INSERT INTO containers (name, owner_id, spec, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
  );
  const find = db.prepare<[string], Row>(`SELECT * FROM containers WHERE name = ?`);
  const byOwner = db.prepare<[number], Row>(
    `SELECT * FROM containers WHERE owner_id = ? ORDER BY name`,
  );
  const all = db.prepare<[], Row>(`SELECT * FROM containers ORDER BY name`);
  const countOwner = db.prepare<[number], { n: number }>(
    `SELECT count(*) AS n FROM containers WHERE owner_id = ?`,
  );
  const countAll = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM containers`);
  const setState = db.prepare<[string, number, string]>(
    `UPDATE containers SET state = ?, updated_at = max(?, updated_at + 1) WHERE name = ?`,
  );
  const setSpec = db.prepare<[string, number, string]>(
    `UPDATE containers SET spec = ?, updated_at = max(?, updated_at + 1) WHERE name = ?`,
  );
  const settle = db.prepare<[string, number, string, number]>(
    `UPDATE containers SET state = ?, updated_at = max(?, updated_at + 1)
     WHERE name = ? AND updated_at = ?
       AND NOT EXISTS (SELECT 1 FROM operations WHERE operations.container = containers.name)`,
  );
  const remove = db.prepare<[string]>(`DELETE FROM containers WHERE name = ?`);
  const beginDestroy = db.prepare<[string, number, string]>(
    `UPDATE containers SET state = 'destroying', trash_id = coalesce(trash_id, ?), updated_at = max(?, updated_at + 1) WHERE name = ?`,
  );

  return {
    /**
     * Registers a new container. Returns false, changing nothing, when the name is taken by
     * anyone: the primary key decides, so two concurrent creates cannot both win.
     */
    insert(input: { name: string; ownerId: number; spec: Spec; state: ContainerState }): boolean {
      const t = now();
      return (
        insert.run(input.name, input.ownerId, JSON.stringify(input.spec), input.state, t, t)
          .changes === 1
      );
    },
    find(name: string): ContainerRecord<Spec> | undefined {
      const row = find.get(name);
      return row && read(row);
    },
    listByOwner(ownerId: number): ContainerRecord<Spec>[] {
      return byOwner.all(ownerId).map(read);
    },
    listAll(): ContainerRecord<Spec>[] {
      return all.all().map(read);
    },
    countByOwner(ownerId: number): number {
      return countOwner.get(ownerId)?.n ?? 0;
    },
    countAll(): number {
      return countAll.get()?.n ?? 0;
    },
    /** Returns false when no such container is registered. */
    setState(name: string, state: ContainerState): boolean {
      return setState.run(state, now(), name).changes === 1;
    },
    setSpec(name: string, spec: Spec): boolean {
      return setSpec.run(JSON.stringify(spec), now(), name).changes === 1;
    },
    /**
     * Sets the state that a look at the host found, only if nothing changed the row since it was
     * read (`seenUpdatedAtMs`) and no operation holds it: a reconcile never overwrites what an
     * operation did meanwhile. Returns whether it changed the row.
     */
    settleState(name: string, state: ContainerState, seenUpdatedAtMs: number): boolean {
      return settle.run(state, now(), name, seenUpdatedAtMs).changes === 1;
    },
    /** Marks a destroy as begun and fixes its trash id (kept if a destroy had begun before). */
    beginDestroy(name: string, trashId: string): ContainerRecord<Spec> | undefined {
      beginDestroy.run(trashId, now(), name);
      return this.find(name);
    },
    remove(name: string): boolean {
      return remove.run(name).changes === 1;
    },
  };
}

export type ContainersRepository<Spec = JsonObject> = ReturnType<typeof containersRepository<Spec>>;
