import type { TailnetDevice } from "../host/tailscale-api.js";
import type { Secret } from "../secret.js";
import type { WorkloadDeps } from "./deps.js";

/**
 * A container's Tailscale identity. With an OAuth client (deps.tailnet) each container gets a
 * one-off, pre-authorized key of its own, tagged for its owner, and its device is deleted through
 * the API when it is destroyed, running or not; a spent key is worth nothing to whoever reads it
 * inside. Without one, every container gets a copy of the host's static key (weaker: root in any
 * container can read a key that may enrol anything) and only a running container can log out.
 */

/** The tags of `ownerId`'s containers: `{owner}` in a configured tag becomes the owner's id. */
export function tagsFor(deps: WorkloadDeps, ownerId: number): string[] {
  return (deps.tailnet?.tags ?? []).map((tag) => tag.replaceAll("{owner}", String(ownerId)));
}

/** The tag every voxnix device carries (the first configured one without a placeholder). */
function voxnixTag(deps: WorkloadDeps): string | undefined {
  return deps.tailnet?.tags.find((tag) => !tag.includes("{owner}"));
}

const isOurs = (deps: WorkloadDeps, device: TailnetDevice) => {
  const tag = voxnixTag(deps);
  return tag !== undefined && device.tags.includes(tag);
};

/** The key a new container enrols with, and how to take it back if the create is undone. */
export async function keyFor(
  deps: WorkloadDeps,
  name: string,
  ownerId: number,
): Promise<{ key: Secret; undo: () => Promise<void> }> {
  const tailnet = deps.tailnet;
  if (!tailnet) {
    if (!deps.tailscaleKey) throw new Error("tailscale requested without a key or an OAuth client");
    return { key: deps.tailscaleKey, undo: async () => {} };
  }
  const minted = await tailnet.api.mintKey(tagsFor(deps, ownerId), `voxnix ${name}`);
  return {
    key: minted.key,
    // If the container got as far as enrolling, its device goes too.
    undo: async () => {
      await tailnet.api.revokeKey(minted.id);
      await forgetDevice(deps, name);
    },
  };
}

/** Container `name`'s device in the tailnet, if it has enrolled (the API's word). */
export async function deviceOf(
  deps: WorkloadDeps,
  name: string,
): Promise<TailnetDevice | undefined> {
  if (!deps.tailnet) return undefined;
  return (await deps.tailnet.api.devices()).find((d) => isOurs(deps, d) && d.hostname === name);
}

/**
 * Deletes the tailnet devices of container `name`. Returns false when there is no API to ask
 * (static key): then only a running container can log itself out.
 */
export async function forgetDevice(deps: WorkloadDeps, name: string): Promise<boolean> {
  if (!deps.tailnet) return false;
  for (const device of await deps.tailnet.api.devices())
    if (isOurs(deps, device) && device.hostname === name)
      await deps.tailnet.api.deleteDevice(device.id);
  return true;
}

/**
 * Devices carrying voxnix's tag whose container is gone (a destroy whose API call failed, a
 * container removed behind voxnix's back): deleted, each reported as a line. A container being
 * created is in the registry already, so its device is never taken for a stale one.
 */
export async function forgetStaleDevices(deps: WorkloadDeps): Promise<string[]> {
  if (!deps.tailnet) return [];
  const known = new Set(deps.store.containers.listAll().map((c) => c.name));
  const lines: string[] = [];
  for (const device of await deps.tailnet.api.devices()) {
    if (!isOurs(deps, device) || known.has(device.hostname)) continue;
    await deps.tailnet.api.deleteDevice(device.id);
    lines.push(`tailnet device ${device.name} (${device.id}) belonged to no container; deleted`);
  }
  return lines;
}
