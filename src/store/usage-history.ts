import type { Db } from "./database.js";

export interface UsageSample {
  readonly container: string;
  readonly ownerId: number;
  readonly cpuNs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly workspaceBytes: number | undefined;
}

/** One container's sample, as a chart draws it. */
export interface UsagePoint {
  readonly atMs: number;
  readonly container: string;
  /** CPU time used since the container's sample before. */
  readonly cpuNs: number | undefined;
  readonly memoryBytes: number | undefined;
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
  const samplesSince = db.prepare<
    [number, number],
    { at: number; container: string; cpu_used: number | null; memory_bytes: number | null }
  >(
    `SELECT at, container, memory_bytes,
            CASE WHEN cpu_ns IS NULL THEN NULL
                 WHEN prev IS NULL OR cpu_ns < prev THEN cpu_ns ELSE cpu_ns - prev END AS cpu_used
       FROM (SELECT at, container, cpu_ns, memory_bytes,
                    lag(cpu_ns) OVER (PARTITION BY container ORDER BY at) AS prev
               FROM usage_samples WHERE owner_id = ?)
      WHERE at >= ? ORDER BY at, container`,
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
    /**
     * A user's samples since `sinceMs`, oldest first: the CPU time each container used since its
     * sample before (as `cpuSince` counts it) and its memory then.
     */
    samplesSince(ownerId: number, sinceMs: number): UsagePoint[] {
      return samplesSince.all(ownerId, sinceMs).map((r) => ({
        atMs: r.at,
        container: r.container,
        cpuNs: r.cpu_used ?? undefined,
        memoryBytes: r.memory_bytes ?? undefined,
      }));
    },
    /** Forgets samples older than `beforeMs`; returns how many. */
    purgeOlderThan: (beforeMs: number): number => purge.run(beforeMs).changes,
  };
}
