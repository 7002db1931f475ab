import { randomBytes } from "node:crypto";
import { trashIdFor } from "../host/index.js";
import type { ContainerRecord } from "../store/index.js";
import { auditName, authorize, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { parseOrRefuse, Refusal } from "./refusal.js";
import { NameInput } from "./spec.js";
import { approveAccess } from "./access-requests.js";

/** How long a destroy confirmation stays valid. */
export const CONFIRMATION_TTL_MS = 5 * 60_000;

export interface ConfirmationRequest {
  /** Opaque; only the requesting user can confirm it, once, before `expiresAtMs`. */
  readonly id: string;
  readonly action: "destroy";
  readonly target: string;
  readonly expiresAtMs: number;
  /** Days the workspace will stay restorable after the destroy. */
  readonly keptDays: number;
}

export interface DestroyResult {
  readonly name: string;
  readonly trashId: string | undefined;
  /** Days the workspace stays restorable. */
  readonly keptDays: number;
}

/**
 * Asks to destroy a container. Nothing is destroyed here: the result is a pending action that
 * only this user can confirm (a button press, or the CLI's prompt), never the LLM.
 */
export function requestDestroy(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
): ConfirmationRequest {
  const { name } = parseOrRefuse(NameInput, input);
  authorize(actor, name, deps.store.containers.find(name));
  const pending = deps.store.pendingActions.create({
    id: randomBytes(12).toString("base64url"),
    userId: actor.userId,
    action: "destroy",
    target: name,
    ttlMs: CONFIRMATION_TTL_MS,
  });
  return {
    id: pending.id,
    action: "destroy",
    target: name,
    expiresAtMs: pending.expiresAtMs,
    keptDays: deps.limits.trashDays,
  };
}

export type ConfirmResult =
  | ({ readonly action: "destroy" } & DestroyResult)
  | { readonly action: "grant"; readonly userId: number; readonly role: "admin" | "user" };

/** Runs a pending action: only for the user who requested it, once, before it expires. */
export async function confirmAction(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
): Promise<ConfirmResult> {
  const consumed = deps.store.pendingActions.consume(id, actor.userId);
  if (!consumed.ok) {
    const why = {
      unknown: "That confirmation is not valid.",
      "not-yours": "That confirmation is not valid.",
      used: "That was already done.",
      expired: "That confirmation expired; ask again.",
    }[consumed.reason];
    deps.store.audit.record({
      actor: auditName(actor),
      action: "confirm",
      target: id,
      outcome: "refused",
      detail: { reason: consumed.reason },
    });
    throw new Refusal("not-confirmed", why);
  }
  const { action, target } = consumed.action;
  if (action === "grant") {
    const granted = approveAccess(deps, actor, target);
    return { action: "grant", userId: granted.id, role: granted.role };
  }
  return { action: "destroy", ...(await destroyContainer(deps, actor, target)) };
}

/** Confirms a pending destroy (refusing any other kind of pending action, untouched). */
export async function confirmDestroy(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
): Promise<DestroyResult> {
  if (deps.store.pendingActions.find(id)?.action !== "destroy")
    throw new Refusal("not-confirmed", "That confirmation is not valid.");
  const result = await confirmAction(deps, actor, id);
  if (result.action !== "destroy")
    throw new Refusal("not-confirmed", "That confirmation is not valid.");
  return { name: result.name, trashId: result.trashId, keptDays: result.keptDays };
}

/**
 * Destroys a container, keeping its workspace in the owner's trash. Every step is idempotent and
 * the trash id is fixed in the registry before the first one, so a destroy interrupted by a crash
 * is finished by reconciliation under the same id.
 */
export async function destroyContainer(
  deps: WorkloadDeps,
  actor: Actor,
  name: string,
): Promise<DestroyResult> {
  return deps.containerLocks.run(name, async () => {
    const container = authorize(actor, name, deps.store.containers.find(name));
    const begun = deps.store.containers.beginDestroy(
      name,
      trashIdFor(name, new Date(deps.now())),
    ) as ContainerRecord;
    try {
      const trashId = await finishDestroy(deps, begun);
      deps.store.audit.record({
        actor: auditName(actor),
        action: "destroy",
        target: name,
        outcome: "ok",
        detail: { trashId: trashId ?? null },
      });
      return { name, trashId, keptDays: deps.limits.trashDays };
    } catch (error) {
      deps.store.audit.record({
        actor: auditName(actor),
        action: "destroy",
        target: name,
        outcome: "failed",
        detail: { error: (error as Error).message, owner: container.ownerId },
      });
      throw error;
    }
  });
}

/** The idempotent steps of a destroy that has begun; returns the trash id if a workspace was kept. */
export async function finishDestroy(
  deps: WorkloadDeps,
  container: ContainerRecord,
): Promise<string | undefined> {
  const { host, store } = deps;
  const trashId = container.trashId as string;
  // Leave the tailnet while the container can still run the command; a stopped one cannot.
  if (
    container.spec.tailscale &&
    (await host.machines.isRunning(container.name).catch(() => false))
  ) {
    await host.tailscale
      .logout(container.name)
      .catch((error: unknown) =>
        deps.log.warn(
          { err: error, container: container.name },
          "tailscale logout failed; remove the node in the admin console",
        ),
      );
  }
  await host.extraContainer.destroy(container.name);
  const space = (await host.storage.scan()).get(container.ownerId);
  const hasWorkspace = space?.workspaces.has(container.name) ?? false;
  if (hasWorkspace) await host.storage.moveToTrash(container.ownerId, container.name, trashId);
  const trashed = hasWorkspace || (space?.trash.has(trashId) ?? false);
  store.transaction(() => {
    if (trashed)
      store.trash.add({
        id: trashId,
        ownerId: container.ownerId,
        containerName: container.name,
        spec: container.spec,
      });
    store.containers.remove(container.name);
  });
  await host.staging.remove(container.name);
  return trashed ? trashId : undefined;
}
