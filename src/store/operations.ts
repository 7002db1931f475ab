import type { Db } from "./database.js";
import { fromJsonText, toJsonText } from "./json.js";

export const OPERATION_KINDS = [
  "create",
  "restore",
  "destroy",
  "start",
  "stop",
  "restart",
  "purge",
  "snapshot",
  "rollback",
  "reconfigure",
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** The process that holds an operation (see src/process-identity.ts). */
export interface Holder {
  readonly pid: number;
  readonly bootId: string;
  readonly startTicks: number;
}

/** Where an operation shows its progress: a chat message that a repair can edit. */
export interface ReportTarget {
  readonly chatId: number;
  readonly messageId: number;
}

export interface OperationRecord {
  readonly id: string;
  readonly kind: OperationKind;
  /** The container it changes, leased: no other operation may touch it meanwhile. */
  readonly container: string | undefined;
  /** The trash entry it uses (restore, purge), leased the same way. */
  readonly trashId: string | undefined;
  /** The user whose container or trash it is. */
  readonly ownerId: number;
  /** Who asked, as the audit table names them. */
  readonly actor: string;
  readonly holder: Holder;
  readonly startedAtMs: number;
  readonly report: ReportTarget | undefined;
  /** Steps it has completed that a repair may have to undo (e.g. "workspace"). */
  readonly made: readonly string[];
}

interface Row {
  id: string;
  kind: OperationKind;
  container: string | null;
  trash_id: string | null;
  owner_id: number;
  actor: string;
  holder_pid: number;
  holder_boot: string;
  holder_start: number;
  started_at: number;
  report: string | null;
  made: string;
}

const fromRow = (row: Row): OperationRecord => ({
  id: row.id,
  kind: row.kind,
  container: row.container ?? undefined,
  trashId: row.trash_id ?? undefined,
  ownerId: row.owner_id,
  actor: row.actor,
  holder: { pid: row.holder_pid, bootId: row.holder_boot, startTicks: row.holder_start },
  startedAtMs: row.started_at,
  report: fromJsonText<{ chatId: number; messageId: number }>(row.report),
  made: fromJsonText<string[]>(row.made) ?? [],
});

export interface BeginInput {
  readonly id: string;
  readonly kind: OperationKind;
  readonly container?: string;
  readonly trashId?: string;
  readonly ownerId: number;
  readonly actor: string;
  readonly holder: Holder;
  readonly report?: ReportTarget;
}

export type BeginResult =
  | { readonly ok: true; readonly operation: OperationRecord }
  | { readonly ok: false; readonly holding: OperationRecord };

/**
 * Operations in flight: the leases that every process honours. Beginning one is a single
 * INSERT that the unique columns decide, so two processes cannot both lease one container;
 * taking over a dead holder's operation is a compare-and-swap on that holder, so two
 * reconcilers cannot both repair it.
 */
export function operationsRepository(db: Db, now: () => number) {
  const insert = db.prepare<
    [
      string,
      string,
      string | null,
      string | null,
      number,
      string,
      number,
      string,
      number,
      number,
      string | null,
    ]
  >(
    `INSERT INTO operations (id, kind, container, trash_id, owner_id, actor, holder_pid,
       holder_boot, holder_start, started_at, report)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const find = db.prepare<[string], Row>(`SELECT * FROM operations WHERE id = ?`);
  const holding = db.prepare<[string | null, string | null], Row>(
    `SELECT * FROM operations WHERE container = ? OR trash_id = ? LIMIT 1`,
  );
  const byContainer = db.prepare<[string], Row>(`SELECT * FROM operations WHERE container = ?`);
  const all = db.prepare<[], Row>(`SELECT * FROM operations ORDER BY started_at`);
  const swap = db.prepare<[number, string, number, string, number, string, number]>(
    `UPDATE operations SET holder_pid = ?, holder_boot = ?, holder_start = ?
     WHERE id = ? AND holder_pid = ? AND holder_boot = ? AND holder_start = ?`,
  );
  const markMade = db.prepare<[string, string]>(
    `UPDATE operations SET made = json_insert(made, '$[#]', ?) WHERE id = ?`,
  );
  const setReport = db.prepare<[string, string]>(`UPDATE operations SET report = ? WHERE id = ?`);
  const remove = db.prepare<[string]>(`DELETE FROM operations WHERE id = ?`);

  function insertOperation(input: BeginInput): BeginResult {
    const container = input.container ?? null;
    const trashId = input.trashId ?? null;
    const { changes } = insert.run(
      input.id,
      input.kind,
      container,
      trashId,
      input.ownerId,
      input.actor,
      input.holder.pid,
      input.holder.bootId,
      input.holder.startTicks,
      now(),
      toJsonText(input.report && { ...input.report }),
    );
    if (changes === 1) return { ok: true, operation: fromRow(find.get(input.id) as Row) };
    const row = holding.get(container, trashId);
    if (!row) throw new Error(`operation ${input.id} conflicts with nothing: its id is reused`);
    return { ok: false, holding: fromRow(row) };
  }

  return {
    /**
     * Leases the operation's container and trash entry, or names the operation holding one.
     * One transaction: a holder that ends between the INSERT and the look-up is not missed.
     */
    begin: (input: BeginInput): BeginResult =>
      db.transaction(() => insertOperation(input)).immediate(),
    find(id: string): OperationRecord | undefined {
      const row = find.get(id);
      return row && fromRow(row);
    },
    forContainer(name: string): OperationRecord | undefined {
      const row = byContainer.get(name);
      return row && fromRow(row);
    },
    listAll: (): OperationRecord[] => all.all().map(fromRow),
    /** Hands the operation to `next` only if `expected` still holds it; returns whether it did. */
    takeOver(id: string, expected: Holder, next: Holder): boolean {
      return (
        swap.run(
          next.pid,
          next.bootId,
          next.startTicks,
          id,
          expected.pid,
          expected.bootId,
          expected.startTicks,
        ).changes === 1
      );
    },
    /** Records that the operation has made `step`, for its repair to undo. */
    markMade(id: string, step: string): boolean {
      return markMade.run(step, id).changes === 1;
    },
    /** Names where the operation reports, once that message exists (after its admission). */
    setReport(id: string, report: ReportTarget): boolean {
      return setReport.run(toJsonText({ ...report }) as string, id).changes === 1;
    },
    /** Ends the operation: its leases are free. */
    end(id: string): boolean {
      return remove.run(id).changes === 1;
    },
  };
}

export type OperationsRepository = ReturnType<typeof operationsRepository>;
