import type { Db } from "./database.js";

/** A stored secret: never its value, only the value sealed with the host's key. */
export interface SecretRecord {
  readonly id: number;
  readonly ownerId: number;
  readonly name: string;
  readonly kind: string;
  /** The upstream host (and port) the secret is sent to, and only that one. */
  readonly host: string;
  /** The header that carries it, for the generic header kind. */
  readonly header: string | undefined;
  readonly sealed: Buffer;
  readonly createdAtMs: number;
}

/** One container's use of one secret, with what the proxy counted. */
export interface SecretUse {
  readonly secretId: number;
  readonly container: string;
  readonly grantedAtMs: number;
  readonly requests: number;
  readonly lastUsedAtMs: number | undefined;
}

interface Row {
  id: number;
  owner_id: number;
  name: string;
  kind: string;
  host: string;
  header: string | null;
  sealed: Buffer;
  created_at: number;
}

interface UseRow {
  secret_id: number;
  container: string;
  granted_at: number;
  requests: number;
  last_used_at: number | null;
}

const fromRow = (row: Row): SecretRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  name: row.name,
  kind: row.kind,
  host: row.host,
  header: row.header ?? undefined,
  sealed: row.sealed,
  createdAtMs: row.created_at,
});

const fromUseRow = (row: UseRow): SecretUse => ({
  secretId: row.secret_id,
  container: row.container,
  grantedAtMs: row.granted_at,
  requests: row.requests,
  lastUsedAtMs: row.last_used_at ?? undefined,
});

/**
 * People's secrets for the egress proxy and which containers may use each (migration 14). The
 * value is stored only sealed (workloads/primitives/secret-box.ts); a container's uses are
 * deleted with its row, a secret's with the secret.
 */
export function secretsRepository(db: Db, now: () => number) {
  const insert = db.prepare<
    [{ owner: number; name: string; kind: string; host: string; header: string | null; at: number }]
  >(
    `INSERT INTO secrets (owner_id, name, kind, host, header, sealed, created_at)
     VALUES (@owner, @name, @kind, @host, @header, x'', @at)`,
  );
  const seal = db.prepare<[Buffer, number]>(`UPDATE secrets SET sealed = ? WHERE id = ?`);
  const find = db.prepare<[number, string], Row>(
    `SELECT * FROM secrets WHERE owner_id = ? AND name = ?`,
  );
  const byId = db.prepare<[number], Row>(`SELECT * FROM secrets WHERE id = ?`);
  const ofOwner = db.prepare<[number], Row>(
    `SELECT * FROM secrets WHERE owner_id = ? ORDER BY name`,
  );
  const all = db.prepare<[], Row>(`SELECT * FROM secrets ORDER BY owner_id, name`);
  const remove = db.prepare<[number]>(`DELETE FROM secrets WHERE id = ?`);
  const grant = db.prepare<[number, string, number]>(
    `INSERT INTO secret_uses (secret_id, container, granted_at) VALUES (?, ?, ?)
     ON CONFLICT (secret_id, container) DO NOTHING`,
  );
  const revoke = db.prepare<[number, string]>(
    `DELETE FROM secret_uses WHERE secret_id = ? AND container = ?`,
  );
  const usesOf = db.prepare<[number], UseRow>(
    `SELECT * FROM secret_uses WHERE secret_id = ? ORDER BY container`,
  );
  const usedBy = db.prepare<[string], Row>(
    `SELECT s.* FROM secrets s JOIN secret_uses u ON u.secret_id = s.id
     WHERE u.container = ? ORDER BY s.name`,
  );
  const count = db.prepare<[number, number, string]>(
    `UPDATE secret_uses SET requests = requests + 1, last_used_at = ?
     WHERE secret_id = ? AND container = ?`,
  );

  return {
    /**
     * Adds a secret and seals its value in one transaction: `sealFor` gets the new row's id,
     * which the sealed value is bound to. Undefined when the owner has one of that name.
     */
    add(
      input: {
        ownerId: number;
        name: string;
        kind: string;
        host: string;
        header?: string | undefined;
      },
      sealFor: (record: SecretRecord) => Buffer,
    ): SecretRecord | undefined {
      return db
        .transaction(() => {
          if (find.get(input.ownerId, input.name)) return undefined;
          const { lastInsertRowid } = insert.run({
            owner: input.ownerId,
            name: input.name,
            kind: input.kind,
            host: input.host,
            header: input.header ?? null,
            at: now(),
          });
          const id = Number(lastInsertRowid);
          seal.run(sealFor(fromRow(byId.get(id) as Row)), id);
          return fromRow(byId.get(id) as Row);
        })
        .immediate();
    },
    find(ownerId: number, name: string): SecretRecord | undefined {
      const row = find.get(ownerId, name);
      return row && fromRow(row);
    },
    /** A person's secrets, by name; every secret on the host without `ownerId`. */
    list(ownerId?: number): SecretRecord[] {
      return (ownerId === undefined ? all.all() : ofOwner.all(ownerId)).map(fromRow);
    },
    /** Removes a secret and every use of it; false when it was not there. */
    remove: (id: number): boolean => remove.run(id).changes === 1,
    /** Lets `container` use the secret; false when it already could. */
    grant: (secretId: number, container: string): boolean =>
      grant.run(secretId, container, now()).changes === 1,
    /** Stops `container` using the secret; false when it could not. */
    revoke: (secretId: number, container: string): boolean =>
      revoke.run(secretId, container).changes === 1,
    uses: (secretId: number): SecretUse[] => usesOf.all(secretId).map(fromUseRow),
    /** The secrets `container` may use, by name. */
    usedBy: (container: string): SecretRecord[] => usedBy.all(container).map(fromRow),
    /** One request the proxy forwarded for `container` with the secret. */
    countUse(secretId: number, container: string): void {
      count.run(now(), secretId, container);
    },
  };
}

export type SecretsRepository = ReturnType<typeof secretsRepository>;
