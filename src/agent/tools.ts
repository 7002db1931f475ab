import { tool, type ToolSet } from "ai";
import { z } from "zod";
import { isVoxnixError } from "../errors.js";
import type { Actor, ConfirmationRequest, Workloads } from "../workloads/index.js";
import { containerName } from "../workloads/index.js";

/** Tool results are cut to this many characters: they are re-sent with every later step. */
export const MAX_TOOL_RESULT_CHARS = 1_500;

/** What a turn asks the transport to do beyond replying. */
export interface TurnEffects {
  /** Starts a create in the background (the bot shows its progress); resolves once accepted. */
  startCreate(input: { name: string; modules: string[] }): void;
  startRestore(input: { id: string; name: string }): void;
  /** A destroy waiting for the user's button press. */
  requestConfirmation(request: ConfirmationRequest): void;
}

/** Runs a workloads call for the model: data on success, the user-facing reason on refusal. */
export async function asToolResult(fn: () => unknown): Promise<string> {
  try {
    const value = await fn();
    const text = JSON.stringify(value ?? { ok: true });
    return text.length > MAX_TOOL_RESULT_CHARS
      ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… (truncated)`
      : text;
  } catch (error) {
    if (isVoxnixError(error)) return JSON.stringify({ error: error.userMessage });
    throw error;
  }
}

const named = z.object({ name: containerName.describe("container name") });

/**
 * The agent's tools: thin adapters over workloads/, closing over the actor from the transport.
 * No tool takes a user id; admin-only tools exist only in admins' turns.
 */
export function createTools(w: Workloads, actor: Actor, effects: TurnEffects): ToolSet {
  const tools: ToolSet = {
    list_containers: tool({
      description: "List the user's containers with state, modules and workspace size.",
      inputSchema: z.object({}),
      execute: () => asToolResult(() => w.list(actor)),
    }),
    container_info: tool({
      description: "Everything about one container, including how to connect.",
      inputSchema: named,
      execute: ({ name }) => asToolResult(() => w.info(actor, { name })),
    }),
    create_container: tool({
      description:
        "Create and start a container with modules from the module list. Takes minutes; progress is shown to the user.",
      inputSchema: z.object({
        name: containerName,
        modules: z.array(z.string()).describe('module names, e.g. ["git", "fish"]'),
      }),
      execute: ({ name, modules }) =>
        asToolResult(() => {
          effects.startCreate({ name, modules });
          return { status: "started", name };
        }),
    }),
    start_container: tool({
      description: "Start a stopped container.",
      inputSchema: named,
      execute: ({ name }) => asToolResult(() => w.start(actor, { name })),
    }),
    stop_container: tool({
      description: "Stop a running container.",
      inputSchema: named,
      execute: ({ name }) => asToolResult(() => w.stop(actor, { name })),
    }),
    restart_container: tool({
      description: "Restart a container.",
      inputSchema: named,
      execute: ({ name }) => asToolResult(() => w.restart(actor, { name })),
    }),
    destroy_container: tool({
      description:
        "Ask to destroy a container. The user must press Yes on the card that appears; you cannot confirm it.",
      inputSchema: named,
      execute: ({ name }) =>
        asToolResult(() => {
          effects.requestConfirmation(w.requestDestroy(actor, { name }));
          return { status: "confirmation requested", name };
        }),
    }),
    container_logs: tool({
      description: "Recent journal lines of a container.",
      inputSchema: named.extend({ lines: z.number().int().min(1).max(50).default(20) }),
      execute: ({ name, lines }) =>
        asToolResult(async () => (await w.logs(actor, { name, lines })).lines.join("\n")),
    }),
    storage_usage: tool({
      description: "The user's storage quota and usage.",
      inputSchema: z.object({}),
      execute: () => asToolResult(() => w.usage(actor)),
    }),
    list_trash: tool({
      description: "Workspaces of destroyed containers that can be restored.",
      inputSchema: z.object({}),
      execute: () => asToolResult(() => w.trash(actor)),
    }),
    restore_from_trash: tool({
      description:
        "Restore a trashed workspace into a new container (same modules). Takes minutes.",
      inputSchema: z.object({
        id: z.string().describe("trash id from list_trash"),
        name: containerName,
      }),
      execute: ({ id, name }) =>
        asToolResult(() => {
          effects.startRestore({ id, name });
          return { status: "started", name };
        }),
    }),
  };
  if (actor.role === "admin") {
    tools.list_all_containers = tool({
      description: "Admin: every user's containers.",
      inputSchema: z.object({}),
      execute: () => asToolResult(() => w.list(actor, { all: true })),
    });
    tools.host_doctor = tool({
      description: "Admin: host health checks.",
      inputSchema: z.object({}),
      execute: () => asToolResult(() => w.doctor(actor)),
    });
  }
  return tools;
}
