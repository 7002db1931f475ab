import type { Container } from "./records.js";
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
  /** false: the host did not answer in time, so `state` is the registry's last known one. */
  readonly live: boolean;
}

/** What a person sees of a container: the registry's record with what the host said of it. */
export function summarize(
  record: Container,
  address: string | undefined,
  isRunning: boolean,
  workspaceBytes: number | undefined,
): ContainerSummary {
  const { spec } = record;
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
    live: true,
  };
}
