import type { Db } from "./database.js";

export interface UsageSample {
  readonly container: string;
  readonly ownerId: number;
  readonly cpuNs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly workspaceBytes: number | undefined;
}

/**
 * What running containers used over time, one sample per container at a coarse interval
 * (workloads/policy/idle.ts takes them). CPU over a window is the sum of the growth between
 * consecutive samples; systemd's counter starts again at 0 when the unit does, so a sample
 * below the one before counts whole.
 */
export function usageHistoryRepository(db: Db, now: () => number) {
  const insert = db.prepare<
    [
      {
        at: number;
        container: string;
        owner: number;
        cpu: number | null;
        memory: number | null;
        bytes: number | null;
      },
    ]
  >(
    `INSERT INTO usage_samples (at, container, owner_id, cpu_ns, memory_bytes, workspace_bytes)
     VALUES (@at, @container, @owner, @cpu, @memory, @bytes)`,
  );
  const last = db.prepare<[string], { at: number }>(
    `SELECT max(at) AS at FROM usage_samples WHERE container = ?`,
  );
  const cpuSince = db.prepare<[number, number], { container: string; used: number }>(
    `SELECT container, sum(CASE WHEN prev IS NULL OR cpu_ns < prev THEN cpu_ns
                                ELSE cpu_ns - prev END) AS used
       FROM (SELECT container, at, cpu_ns,
                    lag(cpu_ns) OVER (PARTITION BY container ORDER BY at) AS prev
               FROM usage_samples WHERE owner_id = ? AND cpu_ns IS NOT NULL)
      WHERE at >= ? GROUP BY container ORDER BY container`,
  );
  const purge = db.prepare<[number]>(`DELETE FROM usage_samples WHERE at < ?`);
  return {
    record(sample: UsageSample) {
      insert.run({
        at: now(),
        container: sample.container,
        owner: sample.ownerId,
        cpu: sample.cpuNs ?? null,
        memory: sample.memoryBytes ?? null,
        bytes: sample.workspaceBytes ?? null,
      });
    },
    /** When `container` was last sampled, if ever. */
    lastSampledAtMs: (container: string): number | undefined =>
      last.get(container)?.at ?? undefined,
    /** CPU time each of a user's containers used since `sinceMs`, by container. */
    cpuSince(ownerId: number, sinceMs: number): Map<string, number> {
      return new Map(cpuSince.all(ownerId, sinceMs).map((r) => [r.container, r.used]));
    },
    /** Forgets samples older than `beforeMs`; returns how many. */
    purgeOlderThan: (beforeMs: number): number => purge.run(beforeMs).changes,
  };
}
