import { authorize, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { summarize, type ContainerSummary } from "../primitives/container-summary.js";
import { parseOrRefuse } from "../primitives/refusal.js";
import { NameInput } from "../primitives/spec.js";
import { deviceOf } from "../primitives/tailnet.js";

export interface ContainerInfo extends ContainerSummary {
  readonly createdAtMs: number;
  readonly uptimeMs: number | undefined;
  readonly tailscaleName: string | undefined;
  readonly tailscaleIp: string | undefined;
  readonly ssh: string | undefined;
  /** When it goes to the trash, if a lifetime was asked for at create (`for 3d`). */
  readonly expiresAtMs: number | undefined;
}

/** Everything known about one of the actor's containers. */
export async function containerInfo(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
): Promise<ContainerInfo> {
  const { name } = parseOrRefuse(NameInput, input);
  const record = authorize(actor, name, deps.store.containers.find(name));
  const { host } = deps;
  const [running, spaces] = await Promise.all([host.machines.listRunning(), host.storage.scan()]);
  const summary = summarize(
    record,
    running.get(name)?.addresses[0],
    running.has(name),
    spaces.get(record.ownerId)?.workspaces.get(name),
  );
  const isRunning = summary.state === "running";
  const since = isRunning
    ? await host.systemd.activeSince(`container@${name}.service`).catch(() => undefined)
    : undefined;
  const node = summary.tailscale ? await tailnetNode(deps, name, isRunning) : undefined;
  return {
    ...summary,
    createdAtMs: record.createdAtMs,
    uptimeMs: since ? Math.max(0, deps.now() - since.getTime()) : undefined,
    tailscaleName: node?.dnsName,
    tailscaleIp: node?.ip,
    // The node's own address, not the container's name: a MagicDNS name follows the hostname,
    // which any tenant may set to another container's name.
    ssh: node ? `ssh root@${node.ip ?? node.dnsName}` : undefined,
    expiresAtMs: deps.store.activity.find(name)?.expiresAtMs,
  };
}

/**
 * The container's node in the tailnet: with an API, the device bound to it (a stopped
 * container's too; tailnet.ts), never one found by name; else whatever tailscale inside the
 * running container says, which is the tenant's word. Unknown rather than an error.
 */
async function tailnetNode(deps: WorkloadDeps, name: string, running: boolean) {
  if (deps.tailnet) {
    const device = await deviceOf(deps, name).catch(() => undefined);
    return (
      device && { dnsName: device.name, ip: device.addresses.find((a) => a.startsWith("100.")) }
    );
  }
  return running ? deps.host.tailscale.node(name).catch(() => undefined) : undefined;
}
