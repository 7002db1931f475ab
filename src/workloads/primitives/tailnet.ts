import type { TailnetDevice } from "../../host/tailscale-api.js";
import type { Secret } from "../../secret.js";
import type { WorkloadDeps } from "./deps.js";

/**
 * A container's Tailscale identity. With an OAuth client (deps.tailnet) each container gets a
 * one-off, pre-authorized key of its own, tagged for its owner; its device is bound to it by what
 * the tenant cannot choose, and deleted through the API when it is destroyed, running or not. A
 * spent key is worth nothing to whoever reads it inside. Without one, every container gets a copy
 * of the host's static key (weaker: root in any container can read a key that may enrol anything),
 * nothing can be bound, and only a running container can log out (docs/security.md).
 *
 * Binding. A device's `hostname` and `name` are the tenant's (`tailscale set --hostname=…`), so
 * they decide nothing. Nothing in the API links a device to the key that enrolled it
 * (tailscale/tailscale#10424), so the daemon records each key's id and the API's `created` and
 * `expires` times (store: tailnet_bindings), and takes as that key's candidates the devices that
 * carry every tag of its owner (a key-enrolled node cannot take tags its tagOwners do not give
 * it), are not shared in from elsewhere, are bound to no container, and were created inside the
 * key's window. A pending key with exactly one candidate, and no other pending key of the owner
 * whose window overlaps, is bound to it; otherwise only the node id the container itself reports
 * (`tailscale status`) picks one, and only among that key's candidates: a lie can only confuse
 * the owner's own containers. A binding is kept for good (the stable `nodeId`), and from then on
 * the daemon acts on that id alone.
 */

/** How far the API's time for a device may be from its key's window and still be in it. */
const SKEW_MS = 2 * 60_000;

/**
 * A container's claim on a device: its recorded key, or (no `keyId`) a container from before
 * keys were recorded, or one whose key is being minted, whose window is open from its creation on
 * and which only its own report binds. `live`: its container still exists.
 */
interface Claim {
  readonly container: string;
  readonly ownerId: number;
  readonly keyId: string | undefined;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly nodeId: string | undefined;
  readonly live: boolean;
}

/** The tags of `ownerId`'s containers: `{owner}` in a configured tag becomes the owner's id. */
export function tagsFor(deps: WorkloadDeps, ownerId: number): string[] {
  return (deps.tailnet?.tags ?? []).map((tag) => tag.replaceAll("{owner}", String(ownerId)));
}

/** The tag every voxnix device carries (the first configured one without a placeholder). */
function voxnixTag(deps: WorkloadDeps): string | undefined {
  return deps.tailnet?.tags.find((tag) => !tag.includes("{owner}"));
}

/** The tag that sets `ownerId`'s devices apart, else voxnix's own: what to list devices by. */
function listingTag(deps: WorkloadDeps, ownerId: number): string | undefined {
  const owner = deps.tailnet?.tags.find((tag) => tag.includes("{owner}"));
  return owner?.replaceAll("{owner}", String(ownerId)) ?? voxnixTag(deps);
}

const carriesAll = (device: TailnetDevice, tags: readonly string[]) =>
  tags.length > 0 && tags.every((tag) => device.tags.includes(tag));

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
  // Before the key is handed over: no device can appear that the daemon does not expect.
  deps.store.tailnetBindings.record({
    container: name,
    ownerId,
    keyId: minted.id,
    keyCreatedAtMs: minted.createdAtMs,
    keyExpiresAtMs: minted.expiresAtMs,
  });
  return {
    key: minted.key,
    // If the container got as far as enrolling, its device goes too.
    undo: async () => {
      await tailnet.api.revokeKey(minted.id);
      await forgetDevice(deps, name);
    },
  };
}

/**
 * Container `name`'s device in the tailnet, if it has enrolled and is bound to it (binding it
 * now if it can, asking the container only when its owner's keys leave a choice). Looked up by
 * its node id alone, and only while it still carries its owner's tags.
 */
export async function deviceOf(
  deps: WorkloadDeps,
  name: string,
): Promise<TailnetDevice | undefined> {
  if (!deps.tailnet) return undefined;
  const container = deps.store.containers.find(name);
  if (!container) return undefined;
  let nodeId = deps.store.tailnetBindings.find(name)?.nodeId;
  if (nodeId === undefined) {
    const devices = await deps.tailnet.api.devices(listingTag(deps, container.ownerId));
    await bindPending(deps, devices, (claim) => claim.container === name);
    nodeId = deps.store.tailnetBindings.find(name)?.nodeId;
    if (nodeId === undefined) return undefined;
  }
  const device = await deps.tailnet.api.device(nodeId);
  return device?.nodeId === nodeId && carriesAll(device, tagsFor(deps, container.ownerId))
    ? device
    : undefined;
}

/**
 * Takes container `name` out of the tailnet: deletes its bound device, revokes its key if it is
 * still unspent (no late enrolment), and deletes every device of its owner that is no other
 * container's and could be no other pending key's. Returns false when there is no API to ask
 * (static key): then only a running container can log itself out.
 */
export async function forgetDevice(deps: WorkloadDeps, name: string): Promise<boolean> {
  const tailnet = deps.tailnet;
  if (!tailnet) return false;
  const container = deps.store.containers.find(name);
  const ownerId = container?.ownerId ?? deps.store.tailnetBindings.find(name)?.ownerId;
  if (ownerId === undefined) return true;
  const devices = await tailnet.api.devices(listingTag(deps, ownerId));
  if (container) await bindPending(deps, devices, (claim) => claim.container === name);
  const binding = deps.store.tailnetBindings.find(name);
  if (binding?.nodeId !== undefined) await tailnet.api.deleteDevice(binding.nodeId);
  if (binding && binding.keyId !== "" && (await tailnet.api.keyState(binding.keyId)) === "usable")
    await tailnet.api.revokeKey(binding.keyId);

  const claims = claimsOf(deps);
  const counts = (claim: Claim) => claim.live && claim.container !== name;
  const ownTags = tagsFor(deps, ownerId);
  for (const device of devices) {
    if (device.nodeId === undefined || device.nodeId === binding?.nodeId) continue;
    if (!carriesAll(device, ownTags) || device.isExternal) continue;
    // The API did not say when it was added: nothing can be known of it, so nothing is done.
    if (device.createdAtMs === undefined) continue;
    if (isClaimed(deps, claims, counts, device)) continue;
    await tailnet.api.deleteDevice(device.nodeId);
  }
  if (binding) deps.store.tailnetBindings.remove(name, binding.keyId);
  return true;
}

/**
 * Devices carrying voxnix's tag that are bound to no existing container and could be no pending
 * key's (a destroy whose API call failed, a container removed behind voxnix's back, a node that
 * renamed itself): deleted, each reported as a line; so are the devices of bindings whose
 * container is gone, whose unspent keys are revoked. A container being created is in the
 * registry already, so its device is never taken for a stale one.
 */
export async function forgetStaleDevices(deps: WorkloadDeps): Promise<string[]> {
  const tailnet = deps.tailnet;
  const tag = voxnixTag(deps);
  if (!tailnet || tag === undefined) return [];
  // Listed before the registry is read: a key minted after this has no device in the list.
  const devices = await tailnet.api.devices(tag);
  await bindPending(deps, devices, (claim) => claim.live);
  const claims = claimsOf(deps);
  const lines: string[] = [];
  const deleted = new Set<string>();
  for (const orphan of claims.filter((claim) => !claim.live)) {
    if (orphan.nodeId !== undefined) {
      await tailnet.api.deleteDevice(orphan.nodeId);
      deleted.add(orphan.nodeId);
      lines.push(
        `tailnet device ${orphan.nodeId} was ${orphan.container}'s, which is gone; deleted`,
      );
    } else if (orphan.keyId && deps.now() <= orphan.untilMs) {
      await tailnet.api.revokeKey(orphan.keyId);
    }
    if (orphan.keyId !== undefined)
      deps.store.tailnetBindings.remove(orphan.container, orphan.keyId);
  }
  for (const device of devices) {
    if (device.nodeId === undefined || deleted.has(device.nodeId) || device.isExternal) continue;
    if (device.createdAtMs === undefined) continue; // see forgetDevice
    if (isClaimed(deps, claims, (claim) => claim.live, device)) continue;
    await tailnet.api.deleteDevice(device.nodeId);
    lines.push(
      `tailnet device ${device.name} (${device.nodeId}) belonged to no container; deleted`,
    );
  }
  return lines;
}

/**
 * Whether `device` is bound to a claim that `counts`, or could be the device of a pending one.
 * Bound is bound to any claim, counted or not: a device can be one container's only.
 */
function isClaimed(
  deps: WorkloadDeps,
  claims: readonly Claim[],
  counts: (claim: Claim) => boolean,
  device: TailnetDevice,
): boolean {
  const bound = new Set(claims.flatMap((claim) => claim.nodeId ?? []));
  return claims.some(
    (claim) =>
      counts(claim) &&
      (claim.nodeId === undefined
        ? isCandidate(deps, claim, device, bound)
        : claim.nodeId === device.nodeId),
  );
}

/** Every container's claim: recorded keys (of containers gone too), then unrecorded ones. */
function claimsOf(deps: WorkloadDeps): Claim[] {
  const containers = new Map(deps.store.containers.listAll().map((c) => [c.name, c]));
  const rows = deps.store.tailnetBindings.listAll();
  const recorded = new Set(rows.map((row) => row.container));
  return [
    ...rows.map((row) => ({
      container: row.container,
      ownerId: row.ownerId,
      keyId: row.keyId,
      fromMs: row.keyCreatedAtMs - SKEW_MS,
      untilMs: row.keyExpiresAtMs + SKEW_MS,
      nodeId: row.nodeId,
      // A later container of that name without Tailscale, or someone else's, is not this one.
      live: isSameContainer(containers.get(row.container), row.ownerId),
    })),
    ...[...containers.values()]
      .filter((c) => c.spec.tailscale && !recorded.has(c.name))
      .map((c) => ({
        container: c.name,
        ownerId: c.ownerId,
        keyId: undefined,
        fromMs: c.createdAtMs - SKEW_MS,
        untilMs: Number.POSITIVE_INFINITY,
        nodeId: undefined,
        live: true,
      })),
  ];
}

const isSameContainer = (
  container: { ownerId: number; spec: { tailscale: unknown } } | undefined,
  ownerId: number,
) => container !== undefined && container.ownerId === ownerId && Boolean(container.spec.tailscale);

/** Could `device` be the one `claim`'s key enrolled? (See the binding rule at the top.) */
function isCandidate(
  deps: WorkloadDeps,
  claim: Claim,
  device: TailnetDevice,
  bound: ReadonlySet<string>,
): boolean {
  const created = device.createdAtMs;
  return (
    device.nodeId !== undefined &&
    !bound.has(device.nodeId) &&
    !device.isExternal &&
    created !== undefined &&
    created >= claim.fromMs &&
    created <= claim.untilMs &&
    carriesAll(device, tagsFor(deps, claim.ownerId))
  );
}

/**
 * Binds every pending claim of a container that exists which `devices` settle: one candidate
 * and no rival (another open pending claim of the same owner whose window overlaps), or the
 * node id the container reports, among its own candidates, when `mayAsk` allows asking it. A
 * claim is open while its window lasts or while it has candidates. Each binding is saved at once.
 */
async function bindPending(
  deps: WorkloadDeps,
  devices: readonly TailnetDevice[],
  mayAsk: (claim: Claim) => boolean,
): Promise<void> {
  const reports = new Map<string, string | undefined>();
  const owners = (claim: Claim) => tagsFor(deps, claim.ownerId).join(",");
  for (;;) {
    const claims = claimsOf(deps);
    const bound = new Set(claims.flatMap((claim) => claim.nodeId ?? []));
    const now = deps.now();
    const open = claims
      .filter((claim) => claim.nodeId === undefined)
      .map((claim) => ({
        claim,
        candidates: devices.filter((device) => isCandidate(deps, claim, device, bound)),
      }))
      .filter(({ claim, candidates }) => candidates.length > 0 || now <= claim.untilMs);
    let chosen: { claim: Claim; nodeId: string } | undefined;
    for (const { claim, candidates } of open) {
      if (!claim.live || candidates.length === 0) continue;
      const rivals = open.filter(
        (other) =>
          other.claim !== claim &&
          owners(other.claim) === owners(claim) &&
          other.claim.fromMs <= claim.untilMs &&
          claim.fromMs <= other.claim.untilMs,
      );
      let nodeId =
        rivals.length === 0 && candidates.length === 1 && claim.keyId !== undefined
          ? candidates[0]?.nodeId
          : undefined;
      if (nodeId === undefined && mayAsk(claim)) {
        if (!reports.has(claim.container))
          reports.set(claim.container, await reportedNodeId(deps, claim.container));
        const said = reports.get(claim.container);
        nodeId = candidates.find((device) => device.nodeId === said)?.nodeId;
      }
      if (nodeId !== undefined && bindClaim(deps, claim, nodeId)) {
        chosen = { claim, nodeId };
        deps.log.info({ container: claim.container, nodeId }, "tailnet device bound");
        break;
      }
    }
    if (!chosen) return;
  }
}

/** Saves a binding; a container without a recorded key gets a row of its own, keyless. */
function bindClaim(deps: WorkloadDeps, claim: Claim, nodeId: string): boolean {
  const bindings = deps.store.tailnetBindings;
  if (claim.keyId !== undefined) return bindings.bind(claim.container, claim.keyId, nodeId);
  return deps.store.transaction(() => {
    if (bindings.find(claim.container)) return false; // a key was recorded meanwhile
    const at = claim.fromMs + SKEW_MS;
    bindings.record({
      container: claim.container,
      ownerId: claim.ownerId,
      keyId: "",
      keyCreatedAtMs: at,
      keyExpiresAtMs: at,
    });
    return bindings.bind(claim.container, "", nodeId);
  });
}

/** The node id a running container's tailscaled reports: the tenant's word, or undefined. */
async function reportedNodeId(deps: WorkloadDeps, name: string): Promise<string | undefined> {
  if (!(await deps.host.machines.isRunning(name).catch(() => false))) return undefined;
  const node = await deps.host.tailscale.node(name).catch(() => undefined);
  return node?.nodeId;
}
