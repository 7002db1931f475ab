import { formatSize } from "../../size.js";
import type { Actor } from "./actor.js";
import { auditName, isAdmin } from "./actor.js";
import { auditTrail } from "./audit.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";
import type { ContainerSpec } from "./spec.js";

export interface ComputeQuota {
  readonly cpus: number;
  readonly memoryBytes: number;
  /** True when the admin set it for this user; false for the configured defaults. */
  readonly own: boolean;
}

/** What one user's running containers may use together. */
export function computeQuotaOf(deps: WorkloadDeps, userId: number): ComputeQuota {
  const set = deps.store.userQuotas.find(userId);
  return set
    ? { cpus: set.cpus, memoryBytes: set.memoryBytes, own: true }
    : { cpus: deps.limits.userCpus, memoryBytes: deps.limits.userMemoryBytes, own: false };
}

/** A user's running containers, and those on their way up (created, restored, started now). */
export function runningOf(deps: WorkloadDeps, userId: number) {
  const starting = new Set(
    deps.store.operations
      .listAll()
      .filter((op) => op.ownerId === userId && ["start", "restart"].includes(op.kind))
      .map((op) => op.container),
  );
  return deps.store.containers
    .listByOwner(userId)
    .filter((c) => c.state === "running" || c.state === "creating" || starting.has(c.name));
}

/** "1 CPU", "2.5 CPUs": how every message names a number of CPUs. */
export const cpuText = (n: number) => `${Number(n.toFixed(2))} CPU${n === 1 ? "" : "s"}`;

/**
 * Refuses to bring `spec` up when the owner's running containers and it would pass the owner's
 * compute quota, naming what uses it. Call inside the transaction that leases the change: the
 * containers on their way up count, so two starts at once cannot pass the quota together.
 * `running`: the limits it runs with now; what adds nothing to them (a restart, a change that
 * lowers its limits) is never refused, even over a quota an admin has just lowered: that is
 * how a user gets back under it. `actor` words the refusal for whoever asked.
 */
export function assertComputeFits(
  deps: WorkloadDeps,
  spec: ContainerSpec,
  options: { actor?: Actor; running?: ContainerSpec["limits"] } = {},
) {
  const { running } = options;
  if (
    running &&
    spec.limits.cpus <= running.cpus + 1e-9 &&
    spec.limits.memoryBytes <= running.memoryBytes
  )
    return;
  const quota = computeQuotaOf(deps, spec.owner);
  const others = runningOf(deps, spec.owner).filter((c) => c.name !== spec.name);
  const cpus = others.reduce((sum, c) => sum + c.spec.limits.cpus, spec.limits.cpus);
  const memory = others.reduce(
    (sum, c) => sum + c.spec.limits.memoryBytes,
    spec.limits.memoryBytes,
  );
  if (cpus <= quota.cpus + 1e-9 && memory <= quota.memoryBytes) return;
  const using = others
    .map(
      (c) => `${c.name} (${cpuText(c.spec.limits.cpus)}, ${formatSize(c.spec.limits.memoryBytes)})`,
    )
    .join(", ");
  const whose =
    options.actor === undefined || options.actor.userId === spec.owner
      ? "your share"
      : `the share of its owner (${spec.owner})`;
  throw new Refusal(
    "quota",
    `Running ${spec.name} (${cpuText(spec.limits.cpus)}, ${formatSize(spec.limits.memoryBytes)}) would pass ${whose} of ${cpuText(quota.cpus)} and ${formatSize(quota.memoryBytes)}` +
      (using ? `; running now: ${using}. Stop one first (/down NAME).` : "."),
    { cpus, memoryBytes: memory },
  );
}

/** Admins: sets a user's compute quota, or with `clear` gives them the defaults back. */
export function setComputeQuota(
  deps: WorkloadDeps,
  actor: Actor,
  input: { userId: number; cpus?: number; memoryBytes?: number; clear?: boolean },
): ComputeQuota {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can set quotas.");
  const audit = auditTrail(deps, { actor, action: "set-quota", target: String(input.userId) });
  if (input.clear) {
    deps.store.userQuotas.clear(input.userId);
    audit("ok", { cleared: true });
    return computeQuotaOf(deps, input.userId);
  }
  const current = computeQuotaOf(deps, input.userId);
  const cpus = input.cpus ?? current.cpus;
  const memoryBytes = input.memoryBytes ?? current.memoryBytes;
  // Below one container at the maxima is allowed (a user kept small), not below zero.
  if (!(cpus > 0) || !(memoryBytes > 0))
    throw new Refusal("invalid-input", "A quota needs more than 0 CPUs and more than 0 bytes.");
  deps.store.userQuotas.set({ userId: input.userId, cpus, memoryBytes, setBy: auditName(actor) });
  audit("ok", { cpus, memoryBytes });
  return computeQuotaOf(deps, input.userId);
}
