import type { Container } from "./records.js";
import { Refusal } from "./refusal.js";

/**
 * Who is asking, as the transport established it: the Telegram sender's user id, or the admin
 * at the CLI. Never taken from message text or LLM output.
 */
export interface Actor {
  readonly userId: number;
  readonly role: "admin" | "user";
  readonly via: "telegram" | "cli" | "system";
  /**
   * Acts on the actor's own containers only, admin or not: set for the rest of an agent turn
   * that has read text written inside a container, which may carry instructions for the model
   * (a tenant's log line must not steer an admin's turn to another user's container).
   */
  readonly ownOnly?: boolean;
}

export const SYSTEM_ACTOR: Actor = { userId: 0, role: "admin", via: "system" };

/** How the audit table names an actor: `tg:1001`, `cli:1001`, `system`. */
export function auditName(actor: Actor): string {
  if (actor.via === "system") return "system";
  return `${actor.via === "telegram" ? "tg" : "cli"}:${actor.userId}`;
}

/** Whether `actor` may act as an admin now: an admin, unless narrowed to its own (`ownOnly`). */
export const isAdmin = (actor: Actor) => actor.role === "admin" && actor.ownOnly !== true;

/**
 * The container if `actor` may act on it. Someone else's container is reported exactly like a
 * missing one, so users cannot probe which names others own.
 */
export function authorize(actor: Actor, name: string, container: Container | undefined): Container {
  if (container && container.ownerId === actor.userId) return container;
  if (container && actor.role === "admin" && actor.ownOnly)
    throw new Refusal(
      "not-allowed",
      `Not done: this conversation has read text written inside a container, so it acts only on your own containers. Use the command for ${name}, or /reset and ask again.`,
      { name },
    );
  if (container && isAdmin(actor)) return container;
  throw new Refusal("not-found", `You have no container named "${name}". /list shows yours.`, {
    name,
  });
}
