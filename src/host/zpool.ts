import type { Runner } from "./run.js";

export interface PoolHealth {
  /** ONLINE, DEGRADED, FAULTED, … (zpoolprops(7)). */
  readonly health: string;
  readonly sizeBytes: number;
  readonly freeBytes: number;
}

/** `zpool`: the pool's health and free space, for doctor. */
export function zpool(runner: Runner) {
  return {
    async health(pool: string): Promise<PoolHealth> {
      const { stdout } = await runner.run(
        ["zpool", "list", "-H", "-p", "-o", "health,size,free", pool],
        { timeoutMs: 15_000 },
      );
      const [health = "UNKNOWN", size = "0", free = "0"] = stdout.trim().split("\t");
      return { health, sizeBytes: Number(size), freeBytes: Number(free) };
    },
  };
}
