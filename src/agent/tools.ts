import { tool, zodSchema, type ToolSet } from "ai";
import { z } from "zod";
import { isVoxnixError } from "../errors.js";
import type { Actor, Workloads } from "../workloads/index.js";
import { within } from "../within.js";
import type { TurnEffects } from "./effects.js";

/** How long a turn waits for a start, stop or restart before the transport takes it over. */
const POWER_WAIT_MS = 3_000;

/** Tool results are cut to this many characters: they are re-sent with every later step. */
export const MAX_TOOL_RESULT_CHARS = 1_500;

/**
 * How long a turn waits for any one tool. Host commands have their own, longer timeouts; a turn
 * should not sit through them while the user waits, so the model hears "no answer" instead.
 */
const TOOL_DEADLINE_MS = 8_000;
const NO_ANSWER = { error: "The host did not answer in time. Try again in a minute." };

/** Runs a workloads call for the model: data on success, the user-facing reason on refusal. */
export async function asToolResult(fn: () => unknown): Promise<string> {
  try {
    const settled = await within(
      Promise.resolve(fn()).then((value) => ({ value })),
      TOOL_DEADLINE_MS,
    );
    const text = JSON.stringify(settled ? (settled.value ?? { ok: true }) : NO_ANSWER);
    return text.length > MAX_TOOL_RESULT_CHARS
      ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}… (truncated)`
      : text;
  } catch (error) {
    if (isVoxnixError(error)) return JSON.stringify({ error: error.userMessage });
    throw error;
  }
}

// Each schema is wrapped once per process: the AI SDK converts a schema to JSON Schema lazily and
// memoizes it on the wrapper, so wrapping per turn would redo that conversion for every request.
// Names are validated by workloads/, whose refusal reaches the model; a regex here would only
// repeat itself in every tool schema of every request.
const input = {
  none: zodSchema(z.object({})),
  named: zodSchema(z.object({ name: z.string() })),
  create: zodSchema(z.object({ name: z.string(), modules: z.array(z.string()) })),
  power: zodSchema(z.object({ name: z.string(), action: z.enum(["start", "stop", "restart"]) })),
  restore: zodSchema(z.object({ id: z.string(), name: z.string() })),
};

/**
 * The agent's tools: thin adapters over workloads/, closing over the actor from the transport.
 * No tool takes a user id; admin-only tools exist only in admins' turns. Descriptions are short:
 * they are sent with every request.
 */
export function createTools(w: Workloads, actor: Actor, effects: TurnEffects): ToolSet {
  const tools: ToolSet = {
    list_containers: tool({
      description: "The user's containers: state, modules, size.",
      inputSchema: input.none,
      execute: () => asToolResult(() => w.list(actor)),
    }),
    container_info: tool({
      description: "One container in detail, with how to connect.",
      inputSchema: input.named,
      execute: ({ name }) => asToolResult(() => w.info(actor, { name })),
    }),
    create_container: tool({
      description: "Create and start a container with listed modules; the user sees progress.",
      inputSchema: input.create,
      execute: ({ name, modules }) =>
        asToolResult(() => {
          effects.startCreate({ name, modules });
          return { status: "started", name };
        }),
    }),
    power: tool({
      description: "Start, stop or restart a container.",
      inputSchema: input.power,
      execute: ({ name, action }) =>
        asToolResult(async () => {
          const outcome = w[action](actor, { name });
          const result = await within(outcome, POWER_WAIT_MS);
          if (result) return result;
          effects.followPower(outcome);
          return { status: "still in progress; the user will be told when it ends", name };
        }),
    }),
    destroy_container: tool({
      description: "Ask to destroy a container; the user confirms with a button, not you.",
      inputSchema: input.named,
      execute: ({ name }) =>
        asToolResult(() => {
          effects.requestConfirmation(w.requestDestroy(actor, { name }));
          return { status: "confirmation requested", name };
        }),
    }),
    container_logs: tool({
      description: "Recent log lines of a container.",
      inputSchema: input.named,
      execute: ({ name }) =>
        asToolResult(async () => (await w.logs(actor, { name, lines: 20 })).lines.join("\n")),
    }),
    storage_usage: tool({
      description: "Storage quota and usage.",
      inputSchema: input.none,
      execute: () => asToolResult(() => w.usage(actor)),
    }),
    list_trash: tool({
      description: "Restorable workspaces of destroyed containers.",
      inputSchema: input.none,
      execute: () => asToolResult(() => w.trash(actor)),
    }),
    restore_from_trash: tool({
      description: "Restore a trashed workspace (id from list_trash) into a new container.",
      inputSchema: input.restore,
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
      inputSchema: input.none,
      execute: () => asToolResult(() => w.list(actor, { all: true })),
    });
    tools.host_doctor = tool({
      description: "Admin: host health checks.",
      inputSchema: input.none,
      execute: () => asToolResult(() => w.doctor(actor)),
    });
  }
  return tools;
}
