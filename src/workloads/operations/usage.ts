import type { UserSpace } from "../../host/index.js";
import type { UnitResources } from "../../host/systemctl.js";
import { isAdmin, type Actor } from "../primitives/actor.js";
import { computeQuotaOf, runningOf, type ComputeQuota } from "../primitives/compute-quota.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { Refusal } from "../primitives/refusal.js";
import { cpuHistoryOf, type CpuHistory } from "../primitives/usage-history.js";

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
  /** CPU time used over the last day and week, from the usage history. */
  readonly cpuHistory: CpuHistory;
}

/**
 * What a user (the actor, or anyone for admins) uses: storage (quota, per container, trash),
 * the share of their compute quota their running containers' limits take, what each running
 * container has used (CPU time, memory now and at its peak, uptime), and CPU time over the
 * last day and week from the usage history.
 */
export async function usage(
  deps: WorkloadDeps,
  actor: Actor,
  options: { userId?: number } = {},
): Promise<Usage> {
  const userId = options.userId ?? actor.userId;
  if (userId !== actor.userId && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can see someone else's usage.");
  const [spaces, resources] = await Promise.all([
    deps.host.storage.scan(),
    resourcesOf(deps, runningOf(deps, userId)),
  ]);
  return usageOf(deps, userId, spaces.get(userId), resources);
}

/**
 * Every user's usage at once, for the admin: everyone with access, containers, or storage on
 * the host, from one storage scan.
 */
export async function usageOverview(deps: WorkloadDeps, actor: Actor): Promise<Usage[]> {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can see everyone's usage.");
  const containers = deps.store.containers.listAll();
  const [spaces, resources] = await Promise.all([
    deps.host.storage.scan(),
    resourcesOf(
      deps,
      containers.filter((c) => c.state === "running"),
    ),
  ]);
  const userIds = new Set([
    ...deps.store.users.list().map((u) => u.id),
    ...containers.map((c) => c.ownerId),
    ...spaces.keys(),
  ]);
  return [...userIds]
    .sort((a, b) => a - b)
    .map((userId) => usageOf(deps, userId, spaces.get(userId), resources));
}

/** What systemd's accounting says each of `containers` has used, by name (none for a failure). */
async function resourcesOf(deps: WorkloadDeps, containers: readonly { name: string }[]) {
  const entries = await Promise.all(
    containers.map(async (c) => {
      const used = await deps.host.systemd
        .resources(`container@${c.name}.service`)
        .catch(() => undefined);
      return [c.name, used] as const;
    }),
  );
  return new Map(entries);
}

function usageOf(
  deps: WorkloadDeps,
  userId: number,
  space: UserSpace | undefined,
  resources: ReadonlyMap<string, UnitResources | undefined>,
): Usage {
  const running = runningOf(deps, userId);
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
    cpuHistory: cpuHistoryOf(deps, userId),
  };
}
