import { auditName, SYSTEM_ACTOR } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { finishDestroy } from "./destroy-container.js";

export interface ReconcileReport {
  /** What was repaired, one sentence each. */
  readonly repaired: readonly string[];
  /** What needs the admin (never shown to other users), one sentence each. */
  readonly reported: readonly string[];
}

/**
 * Makes the registry agree with the host after a crash or restart, so nothing is lost:
 *
 * - a create interrupted before install is rolled back; after install, it is kept;
 * - a destroy interrupted anywhere is finished, under the trash id it started with;
 * - running/stopped states follow machinectl;
 * - staged files without a container are removed;
 * - containers, workspaces and trash on the host that the registry does not know are reported.
 *
 * Runs at start-up before anything else touches containers, and by `voxnix doctor`.
 */
export async function reconcile(deps: WorkloadDeps): Promise<ReconcileReport> {
  const { store, host } = deps;
  const repaired: string[] = [];
  const reported: string[] = [];
  const audit = (target: string, detail: Record<string, string>) =>
    store.audit.record({
      actor: auditName(SYSTEM_ACTOR),
      action: "reconcile",
      target,
      outcome: "ok",
      detail,
    });

  for (const record of store.containers.listAll()) {
    await deps.containerLocks.run(record.name, async () => {
      if (record.state === "creating") {
        if (host.extraContainer.isInstalled(record.name)) {
          store.containers.setState(record.name, "stopped");
          repaired.push(`${record.name}: create was interrupted after install; kept as stopped`);
        } else {
          await host.extraContainer.destroy(record.name);
          await host.storage.removeWorkspace(record.ownerId, record.name);
          await host.staging.remove(record.name);
          store.containers.remove(record.name);
          repaired.push(`${record.name}: create was interrupted before install; rolled back`);
        }
        audit(record.name, { was: "creating" });
      } else if (record.state === "destroying") {
        const trashId = await finishDestroy(deps, record);
        repaired.push(
          `${record.name}: destroy was interrupted; finished${trashId ? ` (workspace in trash as ${trashId})` : ""}`,
        );
        audit(record.name, { was: "destroying" });
      }
    });
  }

  const [running, installed, spaces, staged] = await Promise.all([
    host.machines.listRunning(),
    host.extraContainer.list(),
    host.storage.scan(),
    host.staging.stagedNames(),
  ]);
  const known = new Map(store.containers.listAll().map((c) => [c.name, c]));
  for (const record of known.values()) {
    const isRunning = running.has(record.name);
    const expected = isRunning ? "running" : "stopped";
    if (!host.extraContainer.isInstalled(record.name)) {
      if (record.state !== "failed") store.containers.setState(record.name, "failed");
      reported.push(
        `${record.name} (owner ${record.ownerId}) is registered but not installed on the host`,
      );
    } else if (record.state !== expected) {
      store.containers.setState(record.name, expected);
      repaired.push(`${record.name}: state ${record.state} → ${expected}`);
    }
  }
  for (const name of installed) {
    if (!known.has(name)) reported.push(`container ${name} is on the host but not in the registry`);
  }
  const trashIds = new Set(store.trash.listAll().map((t) => t.id));
  for (const [ownerId, space] of spaces) {
    for (const name of space.workspaces.keys()) {
      if (known.get(name)?.ownerId !== ownerId)
        reported.push(`workspace ${ownerId}/${name} belongs to no container`);
    }
    for (const id of space.trash.keys()) {
      if (!trashIds.has(id)) reported.push(`trash ${ownerId}/${id} is not in the registry`);
    }
  }
  for (const name of staged) {
    if (!known.has(name)) {
      await host.staging.remove(name);
      repaired.push(`${name}: removed staged files of a container that no longer exists`);
    }
  }
  return { repaired, reported };
}
