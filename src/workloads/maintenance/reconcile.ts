import { currentProcess, isProcessAlive, runningHostCommandMarks } from "../../process-identity.js";
import type { OperationRecord } from "../../store/index.js";
import type { Container } from "../primitives/records.js";
import { SYSTEM_ACTOR } from "../primitives/actor.js";
import { notify } from "../primitives/notify.js";
import { auditTrail, failureOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { beginOperation, isLive, leaseFor, type Lease } from "../primitives/lease.js";
import { checkHostFiles } from "./host-files.js";
import { repairOperation } from "./repair.js";
import { forgetStaleDevices } from "../primitives/tailnet.js";

export interface ReconcileReport {
  /** What was repaired, one sentence each. */
  readonly repaired: readonly string[];
  /** What needs the admin (never shown to other users), one sentence each. */
  readonly reported: readonly string[];
  /** Operations whose holders are still at work: left alone, never waited for. */
  readonly inProgress: readonly string[];
  /** Repairs or host checks that failed this time, with the host's error; tried again later. */
  readonly failed: readonly string[];
  /** Containers whose host files were rewritten for this voxnix and host (host-files.ts). */
  readonly updated: readonly string[];
}

/**
 * Makes the registry agree with the host after a crash, a restart or a failed step, so nothing
 * is lost. Safe beside running operations, in this process or another: it repairs only
 * operations whose holder is provably gone (taking each over first, so two reconcilers never
 * both repair one), reports live ones as in progress, and corrects a state only if no operation
 * has touched that row since the host was looked at.
 *
 * - an interrupted or abandoned operation is finished or undone (see repair.ts), and whoever
 *   was waiting on it is told through the notices outbox;
 * - running/stopped states follow machinectl;
 * - staged files without a container are removed;
 * - containers, workspaces and trash on the host that the registry does not know, and trash
 *   entries whose workspace is missing, are reported;
 * - each container's conf and drop-in are held to what this voxnix writes, and the host's
 *   container@ template to the keys it knows (host-files.ts).
 *
 * Never throws for a host failure: each one is in `failed`, and the rest still runs.
 */
export async function reconcile(deps: WorkloadDeps): Promise<ReconcileReport> {
  const { store, host } = deps;
  const report = {
    repaired: [] as string[],
    reported: [] as string[],
    inProgress: [] as string[],
    failed: [] as string[],
    updated: [] as string[],
  };

  const operations = store.operations.listAll();
  const marks = operations.some((o) => !isProcessAlive(o.holder))
    ? runningHostCommandMarks()
    : new Set<string>();
  for (const operation of operations) {
    if (isLive(operation, marks)) {
      report.inProgress.push(
        describeInProgress(operation, deps.now(), !isProcessAlive(operation.holder)),
      );
      continue;
    }
    if (!store.operations.takeOver(operation.id, operation.holder, currentProcess())) continue;
    await repair(
      deps,
      operation,
      leaseFor(deps, { ...operation, holder: currentProcess() }),
      report,
    );
  }
  // Rows written mid-operation by a voxnix from before leases: adopted, then repaired alike.
  for (const row of store.containers.listAll()) {
    if (row.state !== "creating" && row.state !== "destroying") continue;
    if (store.operations.forContainer(row.name)) continue;
    let lease: Lease;
    try {
      lease = beginOperation(deps, {
        kind: row.state === "creating" ? "create" : "destroy",
        container: row.name,
        ownerId: row.ownerId,
        actor: SYSTEM_ACTOR,
      });
    } catch {
      continue; // an operation began on it meanwhile
    }
    // Those creates made their workspace first, as their repair assumed then.
    const made = row.state === "creating" ? ["workspace"] : [];
    for (const step of made) lease.made(step);
    await repair(deps, { ...lease.operation, made }, lease, report);
  }

  const before = registry(deps);
  let seen;
  try {
    seen = await lookAtHost(deps);
  } catch (error) {
    report.failed.push(`looking at the host: ${messageOf(error)}`);
    deps.log.warn({ err: error }, "reconcile could not look at the host; retrying later");
    return report;
  }
  const { running, installed, spaces, staged } = seen;
  const after = registry(deps);

  for (const record of before.rows.values()) {
    if (record.state === "creating" || record.state === "destroying") continue;
    if (!host.installer.isInstalled(record.name)) {
      if (record.state !== "failed")
        store.containers.settleState(record.name, "failed", record.updatedAtMs);
      // Gone, or under an operation by now (a destroy that began meanwhile): not a difference.
      if (after.rows.has(record.name) && !after.leasedContainers.has(record.name))
        report.reported.push(
          `${record.name} (owner ${record.ownerId}) is registered but not installed on the host`,
        );
      continue;
    }
    if (host.installer.installedAddress(record.name) === undefined)
      report.reported.push(
        `${record.name} (owner ${record.ownerId}) was installed before containers had addresses of their own: it has no network until it is installed again with a new system (change its modules, or destroy and restore it; the workspace is kept)`,
      );
    const expected = running.has(record.name) ? "running" : "stopped";
    if (
      record.state !== expected &&
      store.containers.settleState(record.name, expected, record.updatedAtMs)
    ) {
      report.repaired.push(`${record.name}: state ${record.state} → ${expected}`);
      // No one asked (no operation held it, before or after the host was listed): it went down.
      const asked =
        before.leasedContainers.has(record.name) || after.leasedContainers.has(record.name);
      if (record.state === "running" && !asked)
        notify(deps, {
          userId: record.ownerId,
          kind: "crashed",
          text: `⚠️ ${record.name} stopped without anyone asking: it crashed, or was shut down from inside. /logs ${record.name} shows why; /up ${record.name} starts it.`,
        });
    }
  }

  // Known to the registry before or after the host was listed: anything made or removed while
  // it was being listed is not an orphan.
  const knows = (name: string) => before.rows.has(name) || after.rows.has(name);
  const ownsWorkspace = (ownerId: number, name: string) =>
    before.rows.get(name)?.ownerId === ownerId || after.rows.get(name)?.ownerId === ownerId;
  const knowsTrash = (id: string) => before.trash.has(id) || after.trash.has(id);
  for (const name of installed) {
    if (!knows(name))
      report.reported.push(`container ${name} is on the host but not in the registry`);
  }
  for (const [ownerId, space] of spaces) {
    for (const name of space.workspaces.keys()) {
      if (!ownsWorkspace(ownerId, name))
        report.reported.push(`workspace ${ownerId}/${name} belongs to no container`);
    }
    for (const id of space.trash.keys()) {
      if (!knowsTrash(id)) report.reported.push(`trash ${ownerId}/${id} is not in the registry`);
    }
  }
  for (const [id, ownerId] of before.trashRows) {
    if (
      after.trashRows.has(id) &&
      !after.leasedTrash.has(id) &&
      !spaces.get(ownerId)?.trash.has(id)
    )
      report.reported.push(
        `trash ${ownerId}/${id} is in the registry but its workspace is missing`,
      );
  }
  for (const name of staged) {
    if (knows(name)) continue;
    try {
      await host.staging.remove(name);
      report.repaired.push(`${name}: removed staged files of a container that no longer exists`);
    } catch (error) {
      report.failed.push(`${name}: could not remove staged files: ${messageOf(error)}`);
    }
  }
  const files = await checkHostFiles(deps, after.rows.values());
  report.updated.push(...files.updated);
  report.reported.push(...files.reported);
  report.failed.push(...files.failed);
  try {
    report.repaired.push(...(await forgetStaleDevices(deps)));
  } catch (error) {
    report.failed.push(`tailnet devices: ${messageOf(error)}`);
  }
  return report;
}

async function repair(
  deps: WorkloadDeps,
  operation: OperationRecord,
  lease: Lease,
  report: { repaired: string[]; failed: string[] },
) {
  const subject = operation.container ?? `trash ${operation.trashId ?? "?"}`;
  const audit = auditTrail(deps, { actor: SYSTEM_ACTOR, action: "reconcile", target: subject });
  try {
    const { line, notice } = await repairOperation(deps, operation, lease);
    report.repaired.push(line);
    audit("ok", { was: operation.kind, by: operation.actor });
    const asker = /^tg:(\d+)$/.exec(operation.actor)?.[1];
    if (notice && asker)
      deps.store.notices.add({
        userId: Number(asker),
        ...(operation.report
          ? { chatId: operation.report.chatId, messageId: operation.report.messageId }
          : {}),
        text: notice,
      });
  } catch (error) {
    // Left abandoned: the next reconcile tries again, and nothing else touches it meanwhile.
    lease.abandon();
    report.failed.push(
      `${subject}: could not finish the interrupted ${operation.kind}: ${messageOf(error)}`,
    );
    audit("failed", { was: operation.kind, ...failureOf(error) });
    deps.log.warn(
      { err: error, target: subject, operation: operation.kind },
      "repair failed; retrying later",
    );
  }
}

async function lookAtHost({ host }: WorkloadDeps) {
  const [running, installed, spaces, staged] = await Promise.all([
    host.machines.listRunning(),
    host.installer.list(),
    host.storage.scan(),
    host.staging.stagedNames(),
  ]);
  return { running, installed, spaces, staged };
}

/** What the registry knows at one moment: rows, trash entries, and trash held by operations. */
function registry(deps: WorkloadDeps) {
  const rows = new Map<string, Container>(deps.store.containers.listAll().map((r) => [r.name, r]));
  const trashRows = new Map(deps.store.trash.listAll().map((t) => [t.id, t.ownerId]));
  const operations = deps.store.operations.listAll();
  const leasedTrash = new Set(operations.flatMap((o) => (o.trashId ? [o.trashId] : [])));
  const leasedContainers = new Set(operations.flatMap((o) => (o.container ? [o.container] : [])));
  // A destroy's workspace is in trash before its trash row is written.
  const trash = new Set([
    ...trashRows.keys(),
    ...leasedTrash,
    ...[...rows.values()].flatMap((r) => (r.trashId ? [r.trashId] : [])),
  ]);
  return { rows, trashRows, leasedTrash, leasedContainers, trash };
}

function describeInProgress(operation: OperationRecord, nowMs: number, orphaned: boolean): string {
  const seconds = Math.max(0, Math.round((nowMs - operation.startedAtMs) / 1000));
  const subject = operation.container ?? `trash ${operation.trashId ?? "?"}`;
  const holder = orphaned
    ? `pid ${operation.holder.pid} is gone but its host commands still run`
    : `pid ${operation.holder.pid}`;
  return `${subject}: ${operation.kind} in progress (${operation.actor}, ${holder}, for ${seconds} s)`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
