import type { Db } from "./database.js";

export type Role = "admin" | "user";

export interface UserRecord {
  readonly id: number;
  readonly role: Role;
  readonly displayName: string | undefined;
  /** The admin who approved this user; undefined for users from configuration. */
  readonly approvedBy: number | undefined;
  readonly approvedAtMs: number;
}

interface Row {
  id: number;
  role: Role;
  display_name: string | null;
  approved_by: number | null;
  approved_at: number;
}

const fromRow = (row: Row): UserRecord => ({
  id: row.id,
  role: row.role,
  displayName: row.display_name ?? undefined,
  approvedBy: row.approved_by ?? undefined,
  approvedAtMs: row.approved_at,
});

/** People allowed to use voxnix beyond those named in configuration (approved by an admin). */
export function usersRepository(db: Db, now: () => number) {
  const upsert = db.prepare<[number, Role, string | null, number | null, number]>(
    `INSERT INTO users (id, role, display_name, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET role = excluded.role, display_name = excluded.display_name,
       approved_by = excluded.approved_by, approved_at = excluded.approved_at`,
  );
  const find = db.prepare<[number], Row>(`SELECT * FROM users WHERE id = ?`);
  const list = db.prepare<[], Row>(`SELECT * FROM users ORDER BY id`);
  const remove = db.prepare<[number]>(`DELETE FROM users WHERE id = ?`);

  return {
    /** Adds or replaces a user's access. */
    grant(input: {
      id: number;
      role: Role;
      displayName?: string;
      approvedBy?: number;
    }): UserRecord {
      upsert.run(input.id, input.role, input.displayName ?? null, input.approvedBy ?? null, now());
      return fromRow(find.get(input.id) as Row);
    },
    find(id: number): UserRecord | undefined {
      const row = find.get(id);
      return row && fromRow(row);
    },
    list(): UserRecord[] {
      return list.all().map(fromRow);
    },
    /** Returns false when the user had no stored access. */
    revoke(id: number): boolean {
      return remove.run(id).changes === 1;
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
