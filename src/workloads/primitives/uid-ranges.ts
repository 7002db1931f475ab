import { FIRST_UID_BASE, UID_RANGE, UID_RANGES_END } from "../../host/index.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/**
 * Each container's users live in a user namespace of their own: its uids 0–65535 are the host's
 * base…base+65535, a range no host user has and no other container shares, so container root is
 * nobody on the host and one tenant's files are not another's. The ranges sit above anything a
 * NixOS host allocates (its users, systemd's DynamicUser and nspawn's own `pick` ranges) and below
 * 2^31, where some tools treat uids as signed.
 */
export { FIRST_UID_BASE };
const RANGES = (UID_RANGES_END - FIRST_UID_BASE) / UID_RANGE; // 4,096

/**
 * The lowest range no container and no trash entry holds (a trashed workspace keeps its owner's
 * range, so a restore can have it back). Called inside the transaction that claims the name,
 * so two creates never take one range.
 */
export function freeUidBase(deps: WorkloadDeps): number {
  const used = new Set(
    [...deps.store.containers.listAll(), ...deps.store.trash.listAll()].flatMap((r) =>
      r.spec.privateUsers ? [r.spec.privateUsers.base] : [],
    ),
  );
  for (let k = 0; k < RANGES; k++) {
    const base = FIRST_UID_BASE + k * UID_RANGE;
    if (!used.has(base)) return base;
  }
  throw new Refusal(
    "limit",
    "This host has no user range left for another container; ask the admin.",
  );
}

/**
 * Refuses a restore whose workspace's range another container holds: a rollback leaves the
 * state it replaced in the trash in the range of the container it rolled back, and two
 * containers must never share one. Which of the two is the state from before the rollback is
 * not for this refusal to say: it may be the entry (a rollback's), or the container (a
 * rollback's entry restored, and the entry this one is its container destroyed since). Asked in
 * the transaction that claims the name, so two restores of entries that share a range cannot
 * both pass it.
 */
export function assertRangeFree(deps: WorkloadDeps, base: number | undefined, trashId: string) {
  if (base === undefined) return;
  const holder = deps.store.containers.listAll().find((c) => c.spec.privateUsers?.base === base);
  if (holder)
    throw new Refusal(
      "conflict",
      `${trashId} and ${holder.name} come from one container, before and after a rollback, so their files belong to the same users, and two containers never share them: ${trashId} can come back once ${holder.name} is destroyed (/destroy ${holder.name}, then /restore ${trashId}).`,
    );
}
