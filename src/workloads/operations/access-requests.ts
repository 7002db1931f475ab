import { isAdmin, type Actor } from "../primitives/actor.js";
import { requestConfirmation } from "../primitives/confirmations.js";
import { auditTrail } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { Refusal } from "../primitives/refusal.js";
import { accessOf, recordGrant } from "../primitives/users.js";

/** Access requests stay answerable for a day. */
export const ACCESS_REQUEST_TTL_MS = 24 * 60 * 60_000;

export interface AccessRequestCard {
  /** The admin who may answer this card; the pending action is bound to them. */
  readonly adminId: number;
  readonly id: string;
}

/**
 * Someone without access asks for it: one pending "grant" action per admin, each only that
 * admin can answer. A second request while one is open notifies nobody again (returns []).
 */
export function requestAccess(
  deps: WorkloadDeps,
  requester: { id: number; name: string },
): AccessRequestCard[] {
  if (accessOf(deps, requester.id) !== undefined) return [];
  const target = String(requester.id);
  if (deps.store.pendingActions.openFor("grant", target).length > 0) return [];
  auditTrail(deps, { actor: `tg:${requester.id}`, action: "request-access", target })("ok");
  return deps.access.admins.map((adminId) => ({
    adminId,
    id: requestConfirmation(deps, {
      userId: adminId,
      kind: "grant",
      target,
      payload: { name: requester.name.slice(0, 64) },
      ttlMs: ACCESS_REQUEST_TTL_MS,
    }).id,
  }));
}

/**
 * Grants a requested access (the confirm of a "grant" card, which only an admin it was sent to
 * can press); other admins' cards lapse.
 */
export function approveAccess(deps: WorkloadDeps, admin: Actor, target: string) {
  // The card was bound to an admin when sent; they must still be one when they press it.
  if (!isAdmin(admin)) throw new Refusal("not-allowed", "Only admins can grant access.");
  const granted = recordGrant(deps, admin, { id: Number(target) });
  deps.store.pendingActions.settleAll("grant", target);
  return granted;
}
