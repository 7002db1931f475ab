import type { UnitResources } from "../host/systemctl.js";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import { cpuText } from "./compute-quota.js";
import type { Usage } from "./usage.js";

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
