import type { Db } from "./database.js";

/**
 * Which tailnet device is a container's, by what its tenant cannot choose: the one-off key the
 * daemon minted for it (its id and the API's own times) and, once bound, the device's stable
 * node id. Keyed by container name; a row outlives its container until the device is gone.
 */
export interface TailnetBinding {
  readonly container: string;
  readonly ownerId: number;
  readonly keyId: string;
  /** The key's `created` and `expires`, as the API gave them, in epoch ms. */
  readonly keyCreatedAtMs: number;
  readonly keyExpiresAtMs: number;
  /** The device's `nodeId` once bound; never changes after. */
  readonly nodeId: string | undefined;
  readonly boundAtMs: number | undefined;
}

interface Row {
  container: string;
  owner_id: number;
  key_id: string;
  key_created_at: number;
  key_expires_at: number;
  node_id: string | null;
  bound_at: number | null;
}

const fromRow = (row: Row): TailnetBinding => ({
  container: row.container,
  ownerId: row.owner_id,
  keyId: row.key_id,
  keyCreatedAtMs: row.key_created_at,
  keyExpiresAtMs: row.key_expires_at,
  nodeId: row.node_id ?? undefined,
  boundAtMs: row.bound_at ?? undefined,
});

/** Containers' tailnet keys and devices (workloads/primitives/tailnet.ts). */
export function tailnetBindingsRepository(db: Db, now: () => number) {
  const record = db.prepare<
    [{ container: string; owner: number; key: string; created: number; expires: number }]
  >(
    `INSERT INTO tailnet_bindings (container, owner_id, key_id, key_created_at, key_expires_at)
     VALUES (@container, @owner, @key, @created, @expires)
     ON CONFLICT (container) DO UPDATE SET owner_id = @owner, key_id = @key,
       key_created_at = @created, key_expires_at = @expires, node_id = NULL, bound_at = NULL`,
  );
  const bind = db.prepare<[{ container: string; key: string; node: string; at: number }]>(
    `UPDATE tailnet_bindings SET node_id = @node, bound_at = @at
      WHERE container = @container AND key_id = @key AND node_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM tailnet_bindings WHERE node_id = @node)`,
  );
  const find = db.prepare<[string], Row>(`SELECT * FROM tailnet_bindings WHERE container = ?`);
  const all = db.prepare<[], Row>(`SELECT * FROM tailnet_bindings ORDER BY container`);
  const remove = db.prepare<[string, string]>(
    `DELETE FROM tailnet_bindings WHERE container = ? AND key_id = ?`,
  );

  return {
    /**
     * Records the key minted for `container`, unbound; a row left by an earlier container of
     * that name is replaced.
     */
    record(input: {
      container: string;
      ownerId: number;
      keyId: string;
      keyCreatedAtMs: number;
      keyExpiresAtMs: number;
    }): void {
      record.run({
        container: input.container,
        owner: input.ownerId,
        key: input.keyId,
        created: input.keyCreatedAtMs,
        expires: input.keyExpiresAtMs,
      });
    },
    /**
     * Binds `container`'s key `keyId` to `nodeId`, once: false when it is bound already, its
     * key has changed, or the node is another container's.
     */
    bind(container: string, keyId: string, nodeId: string): boolean {
      return bind.run({ container, key: keyId, node: nodeId, at: now() }).changes === 1;
    },
    find(container: string): TailnetBinding | undefined {
      const row = find.get(container);
      return row && fromRow(row);
    },
    listAll: (): TailnetBinding[] => all.all().map(fromRow),
    /** Forgets `container`'s binding of key `keyId` (not a newer one of the same name). */
    remove: (container: string, keyId: string): boolean =>
      remove.run(container, keyId).changes === 1,
  };
}
