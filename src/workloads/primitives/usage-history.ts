import type { UnitResources } from "../../host/systemctl.js";
import type { Container } from "./records.js";
import type { WorkloadDeps } from "./deps.js";

/** A running container's usage is written down at most this often. */
export const USAGE_SAMPLE_EVERY_MS = 60 * 60_000;
/** And kept this long (forgotten with the hourly purge). */
export const USAGE_HISTORY_MS = 30 * 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** Keeps a coarse history of what a running container used, for usage over time. */
export function recordUsage(
  deps: WorkloadDeps,
  container: Container,
  used: UnitResources | undefined,
  workspaceBytes: number | undefined,
) {
  if (!used) return;
  const last = deps.store.usageHistory.lastSampledAtMs(container.name);
  if (last !== undefined && deps.now() - last < USAGE_SAMPLE_EVERY_MS) return;
  deps.store.usageHistory.record({
    container: container.name,
    ownerId: container.ownerId,
    cpuNs: used.cpuNs,
    memoryBytes: used.memoryBytes,
    workspaceBytes,
  });
}

export interface CpuHistory {
  /** CPU time a user's containers used in the last day and the last 7 days, as sampled. */
  readonly dayNs: number;
  readonly weekNs: number;
}

export function cpuHistoryOf(deps: WorkloadDeps, userId: number): CpuHistory {
  const sum = (sinceMs: number) =>
    [...deps.store.usageHistory.cpuSince(userId, sinceMs).values()].reduce((a, b) => a + b, 0);
  return { dayNs: sum(deps.now() - DAY_MS), weekNs: sum(deps.now() - 7 * DAY_MS) };
}
