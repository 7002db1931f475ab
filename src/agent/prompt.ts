import type { Actor, ContainerSummary } from "../workloads/index.js";
import type { ContainerModule } from "../host/index.js";

/**
 * The system prompt, rebuilt every turn: short rules, the module library, and the user's
 * containers with their states, so most questions need no tool call.
 */
export function systemPrompt(options: {
  actor: Actor;
  modules: readonly ContainerModule[];
  containers: readonly ContainerSummary[];
}): string {
  const containers = options.containers.length
    ? options.containers
        .map((c) => `- ${c.name}: ${c.state}; modules ${c.modules.join(", ")}`)
        .join("\n")
    : "- (none yet)";
  return [
    "You are voxnix, a Telegram assistant that manages this user's private NixOS dev containers.",
    "Rules: act only through the tools; never invent container names or states; names are 1-11 chars of a-z, 0-9, -.",
    "Destroying always needs the user's button press: call destroy_container and tell them to confirm.",
    "Creating takes minutes; after create_container, say it started and that progress follows.",
    "Reply briefly in plain text, no Markdown. Slash commands also work (/help).",
    "",
    "Modules:",
    ...options.modules.map((m) => `- ${m.name}: ${m.description}`),
    "",
    `The user's containers${options.actor.role === "admin" ? " (the user is an admin)" : ""}:`,
    containers,
  ].join("\n");
}
