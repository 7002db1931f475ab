import type { Logger } from "./log.js";
import { SYSTEM_ACTOR, type Workloads } from "./workloads/index.js";

const HOUR_MS = 60 * 60_000;

/**
 * Start-up reconciliation (awaited), then a trash purge now and every hour, in the background.
 * Failures are logged and retried at the next tick: maintenance never takes the daemon down.
 * Returns `stop`, which cancels the timer and waits for a purge under way.
 */
export async function startMaintenance(
  workloads: Workloads,
  log: Logger,
  intervalMs = HOUR_MS,
): Promise<() => Promise<void>> {
  const report = await workloads.reconcile();
  for (const line of report.repaired) log.info({ repaired: line }, "reconciled");
  for (const line of report.reported) log.warn({ attention: line }, "registry and host differ");
  const purgeOnce = async () => {
    try {
      const purged = await workloads.purgeTrash(SYSTEM_ACTOR);
      if (purged.length > 0) log.info({ purged }, "purged old trash");
    } catch (error) {
      log.error({ err: error }, "trash purge failed; retrying next hour");
    }
  };
  let underWay: Promise<void> | undefined;
  const purge = () => (underWay ??= purgeOnce().finally(() => (underWay = undefined)));
  // Old trash can wait; serving should not.
  void purge();
  const timer = setInterval(() => void purge(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await underWay;
  };
}
