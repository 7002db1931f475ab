import { z } from "zod";
import type { Role } from "../../store/index.js";
import { isAdmin, type Actor } from "./actor.js";
import { auditTrail } from "./audit.js";
import type { WorkloadDeps } from "./deps.js";
import { parseOrRefuse, Refusal } from "./refusal.js";

export interface UserAccess {
  readonly id: number;
  readonly role: Role;
  /** Configuration (VOXNIX_ADMINS / VOXNIX_USERS) or an admin's approval. */
  readonly source: "config" | "approved";
  readonly approvedBy: number | undefined;
}

/**
 * Who may use voxnix and as what: admins and users from configuration, plus users an admin
 * approved. Configuration wins: an id in VOXNIX_ADMINS is an admin whatever the store says.
 */
export function accessOf(deps: WorkloadDeps, userId: number): Role | undefined {
  if (deps.access.admins.includes(userId)) return "admin";
  if (deps.access.users.includes(userId)) return "user";
  return deps.store.users.find(userId)?.role;
}

export function listUsers(deps: WorkloadDeps, actor: Actor): UserAccess[] {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can list users.");
  const fromConfig: UserAccess[] = [
    ...deps.access.admins.map((id) => ({
      id,
      role: "admin" as const,
      source: "config" as const,
      approvedBy: undefined,
    })),
    ...deps.access.users.map((id) => ({
      id,
      role: "user" as const,
      source: "config" as const,
      approvedBy: undefined,
    })),
  ];
  const configured = new Set(fromConfig.map((u) => u.id));
  const approved = deps.store.users
    .list()
    .filter((u) => !configured.has(u.id))
    .map((u) => ({
      id: u.id,
      role: u.role,
      source: "approved" as const,
      approvedBy: u.approvedBy,
    }));
  return [...fromConfig, ...approved].sort((a, b) => a.id - b.id);
}

const GrantInput = z.object({
  id: z.number().int().positive("a Telegram user id is a positive number"),
  role: z.enum(["admin", "user"]).default("user"),
  displayName: z.string().max(100).optional(),
});

export function grantUser(
  deps: WorkloadDeps,
  actor: Actor,
  input: z.input<typeof GrantInput>,
): UserAccess {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can grant access.");
  const { id } = parseOrRefuse(GrantInput, input);
  const configured = deps.access.admins.includes(id)
    ? "an admin"
    : deps.access.users.includes(id)
      ? "a user"
      : undefined;
  // Saying "granted" would claim a change that configuration overrides anyway.
  if (configured)
    throw new Refusal(
      "conflict",
      `${id} is already ${configured} through configuration (VOXNIX_ADMINS/VOXNIX_USERS).`,
    );
  return recordGrant(deps, actor, input);
}

/**
 * Records an approval and audits it: the step that an admin's grant and an approved access
 * request share. Callers have checked that `actor` may grant.
 */
export function recordGrant(
  deps: WorkloadDeps,
  actor: Actor,
  input: z.input<typeof GrantInput>,
): UserAccess {
  const { id, role, displayName } = parseOrRefuse(GrantInput, input);
  deps.store.users.grant({
    id,
    role,
    approvedBy: actor.userId,
    ...(displayName ? { displayName } : {}),
  });
  auditTrail(deps, { actor, action: "grant", target: String(id) })("ok", { role });
  return { id, role, source: "approved", approvedBy: actor.userId };
}

export function revokeUser(deps: WorkloadDeps, actor: Actor, userId: number): void {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can revoke access.");
  if (deps.access.admins.includes(userId) || deps.access.users.includes(userId)) {
    throw new Refusal(
      "conflict",
      `${userId} has access through configuration; remove them from VOXNIX_ADMINS/VOXNIX_USERS.`,
    );
  }
  if (!deps.store.users.revoke(userId))
    throw new Refusal("not-found", `${userId} has no approved access.`);
  auditTrail(deps, { actor, action: "revoke", target: String(userId) })("ok");
}
