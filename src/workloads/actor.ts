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
}

export const SYSTEM_ACTOR: Actor = { userId: 0, role: "admin", via: "system" };

/** How the audit table names an actor: `tg:1001`, `cli:1001`, `system`. */
export function auditName(actor: Actor): string {
  if (actor.via === "system") return "system";
  return `${actor.via === "telegram" ? "tg" : "cli"}:${actor.userId}`;
}

export const isAdmin = (actor: Actor) => actor.role === "admin";

/**
 * The container if `actor` may act on it. Someone else's container is reported exactly like a
 * missing one, so users cannot probe which names others own.
 */
export function authorize(actor: Actor, name: string, container: Container | undefined): Container {
  if (container && (container.ownerId === actor.userId || isAdmin(actor))) return container;
  throw new Refusal("not-found", `You have no container named "${name}". /list shows yours.`, {
    name,
  });
}
