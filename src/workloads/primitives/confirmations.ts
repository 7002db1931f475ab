import { randomBytes } from "node:crypto";
import type { PendingAction } from "../../store/index.js";
import type { Container } from "./records.js";
import type { OperationOptions } from "./deps.js";
import type { Actor } from "./actor.js";
import { auditTrail } from "./audit.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

/**
 * What a confirmation runs once its user confirms it, by kind. Handlers are the operations
 * themselves (destroy, grant), composed in index.ts: this file knows none of them.
 */
export type ConfirmHandlers<R> = {
  readonly [kind: string]: (
    actor: Actor,
    pending: PendingAction,
    options: Pick<OperationOptions, "report">,
  ) => Promise<R> | R;
};

/**
 * Records a request that only `actor` can confirm (a button press, or the CLI's prompt), once,
 * before `ttlMs` has passed; never the LLM. Returns the pending action. With `container`, the
 * request is bound to that container, not to its name (`sameContainer`).
 */
export function requestConfirmation(
  deps: WorkloadDeps,
  input: {
    userId: number;
    kind: string;
    target: string;
    container?: Container;
    payload?: PendingAction["payload"];
    ttlMs: number;
  },
): PendingAction {
  const payload = {
    ...input.payload,
    ...(input.container ? { incarnation: input.container.createdAtMs } : {}),
  };
  return deps.store.pendingActions.create({
    id: randomBytes(12).toString("base64url"),
    userId: input.userId,
    action: input.kind,
    target: input.target,
    ...(Object.keys(payload).length > 0 ? { payload } : {}),
    ttlMs: input.ttlMs,
  });
}

/** The container a confirmation was made for: its creation time, when it was bound to one. */
export function incarnationOf(pending: PendingAction): number | undefined {
  const value = pending.payload?.incarnation;
  return typeof value === "number" ? value : undefined;
}

/**
 * Refuses, changing nothing, when `container` is not the one a confirmation was made for: a
 * card pressed after its container was destroyed and another made under the same name would
 * otherwise act on the new one, whose unpushed work it never looked at. Names are reused;
 * creation times are not.
 */
export function sameContainer(container: Container, incarnation: number | undefined): Container {
  if (incarnation !== undefined && container.createdAtMs !== incarnation)
    throw new Refusal(
      "not-found",
      `That was asked about a ${container.name} that is gone; this ${container.name} is a newer one. Nothing was done.`,
      { name: container.name },
    );
  return container;
}

/**
 * Runs a pending action with its kind's handler: only for the user who was asked, once, before
 * it expires. With `onlyKind`, any other kind is refused untouched.
 */
export async function confirmPending<R>(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
  handlers: ConfirmHandlers<R>,
  options: Pick<OperationOptions, "report"> & { readonly onlyKind?: string } = {},
): Promise<R> {
  const { onlyKind } = options;
  const found = deps.store.pendingActions.find(id);
  if (onlyKind !== undefined && found?.action !== onlyKind)
    throw new Refusal("not-confirmed", "That confirmation is not valid.");
  const handler = found && handlers[found.action];
  if (!handler) throw new Refusal("not-confirmed", "That confirmation is not valid.");
  const consumed = deps.store.pendingActions.consume(id, actor.userId);
  if (!consumed.ok) {
    const why = {
      unknown: "That confirmation is not valid.",
      "not-yours": "That confirmation is not valid.",
      used: "That was already done.",
      expired: "That confirmation expired; ask again.",
    }[consumed.reason];
    auditTrail(deps, { actor, action: "confirm", target: id })("refused", {
      reason: consumed.reason,
    });
    // The same words for "not yours" as for "unknown" (no probing); the bot reads `consumed`
    // to leave a card's buttons to their owner.
    throw new Refusal("not-confirmed", why, { consumed: consumed.reason });
  }
  return handler(actor, consumed.action, options);
}

/**
 * Declines a pending action: the requester's own cancel of a destroy, or an admin denying access.
 * Same rules as confirming: only its user, once, before expiry. An access request is one card per
 * admin: denying it on one lapses the others.
 */
export function cancelPending(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
): { action: string; target: string } {
  const consumed = deps.store.pendingActions.consume(id, actor.userId);
  if (!consumed.ok)
    throw new Refusal(
      "not-confirmed",
      consumed.reason === "used" ? "That was already answered." : "That button is no longer valid.",
    );
  const { action, target } = consumed.action;
  if (action === "grant") deps.store.pendingActions.settleAll(action, target);
  auditTrail(deps, { actor, action: `cancel-${action}`, target })("ok");
  return { action, target };
}
