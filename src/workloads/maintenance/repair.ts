import type { OperationRecord } from "../../store/index.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { finishDestroy } from "../primitives/destroy-steps.js";
import type { Lease } from "../primitives/lease.js";
import { putBackInTrash } from "../primitives/provision.js";
import { finishChange } from "../operations/reconfigure.js";
import { HOST_FILES_STEP } from "./host-files.js";
import { finishRollback } from "../operations/rollback.js";
import { purgeSteps } from "../operations/trash.js";

export interface Repair {
  /** What was done, for the admin's report and the log. */
  readonly line: string;
  /** What the person who asked is told, if anyone is waiting on that operation. */
  readonly notice: string;
}

/**
 * Finishes or undoes one operation whose holder is gone, under the lease this process has taken
 * over from it. Every step is idempotent, so a repair that is itself interrupted is simply
 * repaired again. Never destroys a dataset that a trash row names: a restore that did not reach
 * install moves its workspace back into its trash entry.
 */
export async function repairOperation(
  deps: WorkloadDeps,
  operation: OperationRecord,
  lease: Lease,
): Promise<Repair> {
  const { store, host } = deps;
  const name = operation.container ?? "";
  const row = operation.container === undefined ? undefined : store.containers.find(name);
  switch (operation.kind) {
    case "create":
    case "restore": {
      const restoring = operation.kind === "restore" ? operation.trashId : undefined;
      const what = restoring ? `Restoring into ${name}` : `Creating ${name}`;
      if (!row) {
        lease.end();
        return { line: `${name}: ${operation.kind} had not begun; nothing to undo`, notice: "" };
      }
      if (host.installer.isInstalled(name)) {
        const running = await host.machines.isRunning(name);
        store.transaction(() => {
          store.containers.setState(name, running ? "running" : "stopped");
          if (restoring) store.trash.remove(restoring);
          lease.end();
        });
        const state = running ? "running" : "stopped";
        return {
          line: `${name}: ${operation.kind} was interrupted after install; kept as ${state}`,
          notice: `⚠️ ${what} was interrupted, but it had been installed: ${name} is ${state}.`,
        };
      }
      await host.installer.uninstall(name);
      if (restoring) await putBackInTrash(deps, row.ownerId, name, restoring);
      // Only a workspace this create made: one that was there before it is not its to remove.
      else if (operation.made.includes("workspace"))
        await host.storage.removeWorkspace(row.ownerId, name);
      await host.staging.remove(name);
      store.transaction(() => {
        store.containers.remove(name);
        lease.end();
      });
      return restoring
        ? {
            line: `${name}: restore was interrupted before install; its workspace is back in trash as ${restoring}`,
            notice: `❌ ${what} was interrupted and undone; the workspace is back in your trash as ${restoring}.`,
          }
        : {
            line: `${name}: create was interrupted before install; rolled back`,
            notice: `❌ ${what} was interrupted and undone; nothing of it is left. /new ${name} tries again.`,
          };
    }
    case "destroy": {
      if (!row || row.state !== "destroying") {
        lease.end();
        return { line: `${name}: destroy had not begun; nothing to finish`, notice: "" };
      }
      const trashId = await finishDestroy(deps, row, lease);
      return {
        line: `${name}: destroy was interrupted; finished${trashId ? ` (workspace in trash as ${trashId})` : ""}`,
        notice: `🗑 ${name} is destroyed (it was interrupted and has been finished).${trashId ? ` Its workspace is in your trash as ${trashId}.` : ""}`,
      };
    }
    case "start":
    case "stop":
    case "restart": {
      const running = await host.machines.isRunning(name);
      const state = running ? "running" : "stopped";
      // A stop that took place stays at boot; a start or restart, whatever came of it, was
      // meant to run (a stop that did not take place leaves it running: it comes back too).
      await host.installer.startAtBoot(name, running || operation.kind !== "stop");
      store.transaction(() => {
        if (row) store.containers.setState(name, state);
        lease.end();
      });
      return {
        line: `${name}: ${operation.kind} was interrupted; it is ${state}`,
        notice: `${name}: the ${operation.kind} was interrupted; it is ${state} now.`,
      };
    }
    case "snapshot": {
      // One zfs command: the snapshot was taken or it was not; either is whole.
      lease.end();
      return {
        line: `${name}: a snapshot operation was interrupted; nothing to finish`,
        notice: "",
      };
    }
    case "rollback": {
      const trashId = operation.trashId ?? "";
      if (!row) {
        lease.end();
        return { line: `${name}: rollback had not begun; nothing to finish`, notice: "" };
      }
      const state = await finishRollback(deps, row, lease, trashId);
      const rolledBack = store.trash.find(trashId) !== undefined;
      return rolledBack
        ? {
            line: `${name}: rollback was interrupted; finished (the state before is in trash as ${trashId}); ${state}`,
            notice: `↩️ ${name} is rolled back (it was interrupted and has been finished); what was there is in your trash as ${trashId}. It is ${state}.`,
          }
        : {
            line: `${name}: rollback was interrupted before the swap; undone; ${state}`,
            notice: `❌ The rollback of ${name} was interrupted and undone: its workspace is as it was. It is ${state}.`,
          };
    }
    case "reconfigure": {
      if (operation.made.includes(HOST_FILES_STEP)) {
        // Rewrites files in place, atomically, from the registry: the next pass does it again.
        lease.end();
        return { line: `${name}: its host files check was interrupted; checked again`, notice: "" };
      }
      if (!row) {
        lease.end();
        return { line: `${name}: change had not begun; nothing to undo`, notice: "" };
      }
      const { state, forward } = await finishChange(deps, row, lease);
      const modules = store.containers.find(name)?.spec.modules.join(", ") ?? "";
      return forward
        ? {
            line: `${name}: change was interrupted after it was committed; finished; ${state}`,
            notice: `🔧 ${name} is changed (it was interrupted and has been finished): ${modules}. It is ${state}.`,
          }
        : {
            line: `${name}: change was interrupted; its previous system and limits are back; ${state}`,
            notice: `❌ The change of ${name} was interrupted and undone: it has ${modules} as before, and is ${state}.`,
          };
    }
    case "purge": {
      const id = operation.trashId ?? "";
      const entry = store.trash.find(id);
      if (entry) await purgeSteps(deps, lease, entry.ownerId, id);
      store.transaction(() => {
        store.trash.remove(id);
        lease.end();
      });
      return { line: `trash ${id}: purge was interrupted; finished`, notice: "" };
    }
  }
}
