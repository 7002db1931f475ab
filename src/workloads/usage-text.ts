import type { UnitResources } from "../host/systemctl.js";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import { cpuText } from "./primitives/compute-quota.js";
import type { Usage } from "./operations/usage.js";

/** "up 2h 5m, CPU 3m 12s, memory 512M (peak 1.2G)": what a running container has used. */
export function resourcesText(used: UnitResources, nowMs: number): string {
  return [
    used.activeSince && `up ${formatDuration(nowMs - used.activeSince.getTime())}`,
    used.cpuNs !== undefined && `CPU ${formatDuration(used.cpuNs / 1e6)}`,
    used.memoryBytes !== undefined &&
      `memory ${formatSize(used.memoryBytes)}${used.memoryPeakBytes !== undefined ? ` (peak ${formatSize(used.memoryPeakBytes)})` : ""}`,
  ]
    .filter(Boolean)
    .join(", ");
}

/** "4 of 8 CPUs, 8G of 16G memory": the compute quota and the running containers' share. */
export const computeText = ({ compute: c }: Usage) =>
  `${Number(c.usedCpus.toFixed(2))} of ${cpuText(c.cpus)}, ${formatSize(c.usedMemoryBytes)} of ${formatSize(c.memoryBytes)} memory` +
  (c.own ? " (set for you)" : "");

/** "CPU 1h 5m in the last day, 6h 2m in 7 days": CPU time from the usage history. */
export const cpuHistoryText = ({ cpuHistory: h }: Usage) =>
  `CPU ${formatDuration(h.dayNs / 1e6)} in the last day, ${formatDuration(h.weekNs / 1e6)} in 7 days`;

/** One user in the admin's overview: what runs, compute, memory in use, storage, CPU over time. */
export function overviewLine(u: Usage): string {
  const running = u.containers.filter((c) => c.resources);
  const memoryNow = running.reduce((sum, c) => sum + (c.resources?.memoryBytes ?? 0), 0);
  return [
    `user ${u.userId}: ${running.length} of ${u.containers.length} running (${computeText(u)})`,
    `${formatSize(memoryNow)} memory in use`,
    `storage ${formatSize(u.usedBytes)}${u.quotaBytes ? ` of ${formatSize(u.quotaBytes)}` : ""}`,
    cpuHistoryText(u),
  ].join("; ");
}
