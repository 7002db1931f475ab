import type { ContainerRecord } from "../store/index.js";
import { isAdmin, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";
import type { ContainerSpec } from "./spec.js";

export interface ContainerSummary {
  readonly name: string;
  readonly ownerId: number;
  /** The registry's state, corrected by what machinectl reports right now. */
  readonly state: "creating" | "running" | "stopped" | "failed" | "destroying";
  readonly modules: readonly string[];
  readonly tailscale: boolean;
  readonly limits: ContainerSpec["limits"];
  readonly workspaceBytes: number | undefined;
  readonly address: string | undefined;
}

/**
 * The actor's containers (or, with `all`, everyone's: admins only), joined with one
 * `machinectl list` call and one storage scan, however many containers there are.
 */
export async function listContainers(
  deps: WorkloadDeps,
  actor: Actor,
  options: { all?: boolean } = {},
): Promise<ContainerSummary[]> {
  if (options.all && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can list everyone's containers.");
  const records = options.all
    ? deps.store.containers.listAll()
    : deps.store.containers.listByOwner(actor.userId);
  if (records.length === 0) return [];
  const [running, spaces] = await Promise.all([
    deps.host.machines.listRunning(),
    deps.host.storage.scan(),
  ]);
  return records.map((record) =>
    summarize(
      record,
      running.get(record.name)?.addresses[0],
      running.has(record.name),
      spaces.get(record.ownerId)?.workspaces.get(record.name),
    ),
  );
}

export function summarize(
  record: ContainerRecord,
  address: string | undefined,
  isRunning: boolean,
  workspaceBytes: number | undefined,
): ContainerSummary {
  const spec = record.spec as unknown as ContainerSpec;
  const settled = record.state === "running" || record.state === "stopped";
  return {
    name: record.name,
    ownerId: record.ownerId,
    state: settled ? (isRunning ? "running" : "stopped") : record.state,
    modules: spec.modules ?? [],
    tailscale: spec.tailscale != null,
    limits: spec.limits,
    workspaceBytes,
    address: isRunning ? address : undefined,
  };
}
