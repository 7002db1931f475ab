import { randomBytes } from "node:crypto";
import {
  currentProcess,
  holderMark,
  isProcessAlive,
  NO_PROCESS,
  runningHostCommandMarks,
} from "../../process-identity.js";
import type { OperationKind, OperationRecord, ReportTarget } from "../../store/index.js";
import { auditName, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/**
 * An operation in flight, leased by this process in the registry: while it lasts no other
 * operation, in this process or another (the daemon, the admin CLI), may touch its container or
 * trash entry, and reconcile leaves it alone.
 */
export interface Lease {
  readonly operation: OperationRecord;
  /** Ends the operation and frees its leases; call inside the transaction that commits its outcome. */
  end(): void;
  /**
   * Gives the operation up half-done: its leases stay, held by no process, so that reconcile
   * finishes or undoes it (with backoff) and nothing else touches what it left.
   */
  abandon(): void;
  /** Records a finished step that a repair may undo: only what the operation itself made. */
  made(step: string): void;
  /** Names the message where the operation reports, for a repair after a crash to edit. */
  reportTo(target: ReportTarget): void;
}

export interface LeaseRequest {
  readonly kind: OperationKind;
  readonly container?: string;
  readonly trashId?: string;
  readonly ownerId: number;
  readonly actor: Actor;
  readonly report?: ReportTarget | undefined;
}

/**
 * Leases what an operation will change, or refuses, changing nothing, when another operation
 * holds it. Runs in the caller's transaction when there is one (a create claims its name and
 * its lease in one).
 */
export function beginOperation(deps: WorkloadDeps, request: LeaseRequest): Lease {
  const begun = deps.store.operations.begin({
    id: randomBytes(9).toString("base64url"),
    kind: request.kind,
    ...(request.container !== undefined ? { container: request.container } : {}),
    ...(request.trashId !== undefined ? { trashId: request.trashId } : {}),
    ownerId: request.ownerId,
    actor: auditName(request.actor),
    holder: currentProcess(),
    ...(request.report ? { report: request.report } : {}),
  });
  if (!begun.ok) throw busy(begun.holding, request.container ?? request.trashId ?? "");
  return leaseFor(deps, begun.operation);
}

/** The lease of an operation this process has just taken over (reconcile's repairs). */
export function leaseFor(deps: WorkloadDeps, operation: OperationRecord): Lease {
  const { operations } = deps.store;
  return {
    operation,
    end: () => void operations.end(operation.id),
    abandon: () => void operations.takeOver(operation.id, currentProcess(), NO_PROCESS),
    made: (step) => void operations.markMade(operation.id, step),
    reportTo: (target) => void operations.setReport(operation.id, target),
  };
}

/**
 * Whether `operation` is still being carried out: its process runs, or host commands it started
 * do (`marks`, from runningHostCommandMarks; read afresh when not given). A repair must wait for
 * those: an orphaned build would install a container after its create had been rolled back.
 */
export function isLive(operation: OperationRecord, marks?: ReadonlySet<string>): boolean {
  if (isProcessAlive(operation.holder)) return true;
  if (operation.holder.pid <= 0) return false;
  return (marks ?? runningHostCommandMarks()).has(holderMark(operation.holder));
}

const DOING: Record<OperationKind, string> = {
  create: "created",
  restore: "restored",
  destroy: "destroyed",
  start: "started",
  stop: "stopped",
  restart: "restarted",
  purge: "purged",
  snapshot: "snapshotted",
  rollback: "rolled back",
  reconfigure: "changed",
};

function busy(holding: OperationRecord, subject: string): Refusal {
  const what = holding.container ?? holding.trashId ?? subject;
  const doing = DOING[holding.kind];
  return isLive(holding)
    ? new Refusal(
        "busy",
        `"${what}" is being ${doing} by another request; try again when it finishes.`,
        { operation: holding.kind },
      )
    : new Refusal(
        "busy",
        `"${what}" was being ${doing} when voxnix was interrupted; it is repaired within minutes (or now by the admin's voxnix doctor), then try again.`,
        { operation: holding.kind, interrupted: true },
      );
}
