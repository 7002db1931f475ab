import type { Logger } from "./log.js";
import { SYSTEM_ACTOR, type Workloads } from "./workloads/index.js";

const HOUR_MS = 60 * 60_000;

/**
 * Start-up reconciliation, then an hourly trash purge. Returns a function that stops the timer.
 * Failures are logged and retried at the next tick: maintenance never takes the daemon down.
 */
export async function startMaintenance(
  workloads: Workloads,
  log: Logger,
  intervalMs = HOUR_MS,
): Promise<() => void> {
  const report = await workloads.reconcile();
  for (const line of report.repaired) log.info({ repaired: line }, "reconciled");
  for (const line of report.reported) log.warn({ attention: line }, "registry and host differ");
  const purge = async () => {
    try {
      const purged = await workloads.purgeTrash(SYSTEM_ACTOR);
      if (purged.length > 0) log.info({ purged }, "purged old trash");
    } catch (error) {
      log.error({ err: error }, "trash purge failed; retrying next hour");
    }
  };
  await purge();
  const timer = setInterval(() => void purge(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
