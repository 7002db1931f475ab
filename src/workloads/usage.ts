import type { UnitResources } from "../host/systemctl.js";
import { isAdmin, type Actor } from "./actor.js";
import { computeQuotaOf, runningOf, type ComputeQuota } from "./compute-quota.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

export interface ContainerUsage {
  readonly name: string;
  /** Its workspace's size. */
  readonly bytes: number;
  /** What its unit's cgroup has used, while it runs (systemd's accounting). */
  readonly resources?: UnitResources;
}

export interface Usage {
  readonly userId: number;
  readonly quotaBytes: number | undefined;
  readonly usedBytes: number;
  readonly availableBytes: number | undefined;
  readonly containers: readonly ContainerUsage[];
  readonly trash: readonly { readonly id: string; readonly bytes: number }[];
  /** The compute quota, and how much of it the running containers' limits take. */
  readonly compute: ComputeQuota & { readonly usedCpus: number; readonly usedMemoryBytes: number };
}

/**
 * What a user (the actor, or anyone for admins) uses: storage (quota, per container, trash),
 * the share of their compute quota their running containers' limits take, and what each
 * running container has used (CPU time, memory now and at its peak, uptime).
 */
export async function usage(
  deps: WorkloadDeps,
  actor: Actor,
  options: { userId?: number } = {},
): Promise<Usage> {
  const userId = options.userId ?? actor.userId;
  if (userId !== actor.userId && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can see someone else's usage.");
  const running = runningOf(deps, userId);
  const [space, resources] = await Promise.all([
    deps.host.storage.scan().then((all) => all.get(userId)),
    Promise.all(
      running.map(async (c) => {
        const used = await deps.host.systemd
          .resources(`container@${c.name}.service`)
          .catch(() => undefined);
        return [c.name, used] as const;
      }),
    ).then((entries) => new Map(entries)),
  ]);
  const names = new Set([
    ...(space?.workspaces.keys() ?? []),
    ...deps.store.containers.listByOwner(userId).map((c) => c.name),
  ]);
  return {
    userId,
    quotaBytes: space?.quotaBytes,
    usedBytes: space?.usedBytes ?? 0,
    availableBytes: space?.availableBytes,
    containers: [...names].sort().map((name) => {
      const used = resources.get(name);
      return {
        name,
        bytes: space?.workspaces.get(name) ?? 0,
        ...(used ? { resources: used } : {}),
      };
    }),
    trash: [...(space?.trash ?? [])].map(([id, bytes]) => ({ id, bytes })),
    compute: {
      ...computeQuotaOf(deps, userId),
      usedCpus: running.reduce((sum, c) => sum + c.spec.limits.cpus, 0),
      usedMemoryBytes: running.reduce((sum, c) => sum + c.spec.limits.memoryBytes, 0),
    },
  };
}
