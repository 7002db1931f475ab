import {
  addressText,
  DEFAULT_CONTAINER_NETWORK,
  parseContainerNetwork,
  type ContainerNetwork,
} from "../../container-network.js";
import type { ContainerInstall } from "../../host/index.js";
import type { WorkloadDeps } from "./deps.js";
import type { ContainerSpec } from "./spec.js";
import { writeEgressEnvironment } from "./egress-env.js";
import { Refusal } from "./refusal.js";

const DEFAULT_NETWORK = parseContainerNetwork(DEFAULT_CONTAINER_NETWORK) as ContainerNetwork;

/**
 * Installs the container of `spec` running `systemPath`. Every install goes through here
 * (create, restore, fork, change in place, and their repairs).
 */
export async function installContainer(
  deps: WorkloadDeps,
  spec: ContainerSpec,
  systemPath: string,
): Promise<void> {
  await deps.host.installer.install(await hostSideOf(deps, spec, systemPath));
}

/**
 * What the host gives the container of `spec` running `systemPath`: what an install writes, and
 * what a host-files check holds installed containers to (maintenance/host-files.ts). Its conf
 * names the address the registry holds for it: one assigned now if it has none yet (a
 * container installed before addresses existed gets one at its next install) or if the network
 * changed. The address is released only with the container's registry row, which a destroy
 * deletes after the container is stopped and uninstalled (store/addresses.ts).
 */
export async function hostSideOf(
  deps: WorkloadDeps,
  spec: ContainerSpec,
  systemPath: string,
): Promise<ContainerInstall> {
  // Its egress environment exists before nspawn binds its directory, and says what the
  // registry says now (a name used before by a destroyed container starts from nothing).
  await writeEgressEnvironment(deps, spec.name);
  return {
    name: spec.name,
    systemPath,
    workspace: spec.workspace.hostPath,
    tailscaleKeyFile: spec.tailscale?.authKeyFile,
    uidBase: spec.privateUsers?.base ?? undefined,
    limits: spec.limits,
    egressDir: deps.secrets?.envFiles.dirOf(spec.name),
    address: addressOf(deps, spec.name),
    // One stopped on purpose stays stopped at boot, whatever reinstalls it (a change in place).
    startsAtBoot: deps.store.containers.find(spec.name)?.state !== "stopped",
  };
}

/** `name`'s address, and the host's on its link, assigned if needed. */
export function addressOf(deps: WorkloadDeps, name: string): ContainerInstall["address"] {
  const network = deps.containerNetwork ?? DEFAULT_NETWORK;
  const address = deps.store.addresses.assign(name, network);
  if (address === undefined)
    throw new Refusal(
      "limit",
      `The host has no address left for another container; the admin can give containers a larger network (VOXNIX_CONTAINER_NETWORK, now ${network.cidr}).`,
    );
  return { host: network.hostAddress, local: addressText(address) };
}
