import {
  generateText,
  stepCountIs,
  type LanguageModel,
  type ModelMessage,
  type StopCondition,
  type ToolSet,
} from "ai";
import { VoxnixError } from "../errors.js";
import { inSpan } from "../tracing.js";
import type { Logger } from "../log.js";
import type { Actor, Json, Workloads } from "../workloads/index.js";
import { BOUNDS, boundForHistory, boundReply } from "./bounds.js";
import { warmMessageValidation } from "./message-validation.js";
import { systemPrompt } from "./prompt.js";
import type { TurnEffects } from "./effects.js";
import { createTools, tenantTextIn } from "./tools.js";

export interface AgentOptions {
  readonly workloads: Workloads;
  readonly model: LanguageModel;
  readonly log: Logger;
  /** Most model calls in one turn (tool round trips included). */
  readonly maxSteps?: number;
  /** Deadline for a whole turn, in ms. */
  readonly turnTimeoutMs?: number;
}

/** The model could not answer (provider error, timeout, malformed reply); the chat stays usable. */
export class AgentUnavailable extends VoxnixError {
  readonly userMessage =
    "I can't think right now (the language model did not answer). Commands still work: /help.";
}

/**
 * One user turn: the rebuilt system prompt, the user's recent history, the tools for this
 * actor; the exchange is stored as one turn only when it completes.
 */
export function createAgent(options: AgentOptions) {
  const { workloads, log } = options;
  warmMessageValidation();
  const modelId = typeof options.model === "string" ? options.model : options.model.modelId;
  return {
    /** One turn in a span, `agent turn`: the user, the model, steps and tokens; never words. */
    turn(actor: Actor, text: string, effects: TurnEffects): Promise<string> {
      const attributes = { "voxnix.user": actor.userId, "gen_ai.request.model": modelId };
      return inSpan("agent turn", attributes, async (span) => {
        const history = workloads.conversation.load(actor) as unknown as ModelMessage[];
        const user: ModelMessage = { role: "user", content: text };
        const system = systemPrompt({
          actor,
          modules: workloads.modules(),
          containers: await workloads.list(actor),
        });
        let result;
        try {
          result = await generateText({
            model: options.model,
            system,
            messages: [...history, user],
            tools: createTools(workloads, actor, effects, {
              tenantTextInHistory: tenantTextIn(history),
            }),
            stopWhen: [stepCountIs(options.maxSteps ?? 5), handedToChat],
            maxOutputTokens: BOUNDS.maxOutputTokens,
            abortSignal: AbortSignal.timeout(options.turnTimeoutMs ?? 60_000),
            maxRetries: 1,
          });
        } catch (error) {
          log.warn({ model: modelFailure(error) }, "agent turn failed");
          throw new AgentUnavailable("agent turn failed", { cause: error });
        }
        log.info({ usage: result.totalUsage, steps: result.steps.length }, "agent turn");
        span.setAttributes({
          "voxnix.agent.steps": result.steps.length,
          "gen_ai.usage.input_tokens": result.totalUsage.inputTokens,
          "gen_ai.usage.output_tokens": result.totalUsage.outputTokens,
        });
        // Stored before the reply is sent: what the user has read, the model will remember.
        await workloads.conversation.append(
          actor,
          boundForHistory([user, ...result.response.messages]) as unknown as Json[],
        );
        if (result.text.trim()) return boundReply(result.text.trim());
        // The chat shows what the turn started (a progress message, a card): nothing to add.
        if (handedToChat({ steps: result.steps })) return "";
        // The step limit ended the turn mid-plan: say so rather than pretend it finished.
        return result.finishReason === "tool-calls"
          ? "I stopped after several steps without finishing. Ask again, one thing at a time, or use /help."
          : "Done.";
      });
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;

/**
 * What a failed model call says about itself, for the log: never the AI SDK error whole, which
 * carries the request body (the system prompt, the history, the user's words) and the response.
 */
function modelFailure(error: unknown): Record<string, unknown> {
  const e = error as {
    name?: unknown;
    message?: unknown;
    statusCode?: unknown;
    url?: unknown;
    cause?: { message?: unknown };
  };
  return {
    type: typeof e.name === "string" ? e.name : typeof error,
    message: typeof e.message === "string" ? e.message.slice(0, 300) : String(error).slice(0, 300),
    ...(typeof e.statusCode === "number" ? { status: e.statusCode } : {}),
    ...(typeof e.url === "string" ? { url: e.url } : {}),
    ...(typeof e.cause?.message === "string" ? { cause: e.cause.message.slice(0, 300) } : {}),
  };
}

/**
 * Whether a tool call's outcome is shown by the chat itself: a create's or a restore's progress
 * message, a destroy card. (A copy, `from`, is followed by the model's own line, as it always was.)
 */
const reportedByChat = (toolName: string, input: unknown) =>
  toolName === "destroy_container" ||
  (toolName === "create_container" &&
    (input as { from?: unknown } | undefined)?.from === undefined);

/**
 * The turn ends once its last step only handed work to the chat and every piece was accepted:
 * another model call would only say "creating dev" above the message that already does, and
 * cost the user a round trip. A refusal goes back to the model, which explains it.
 */
const handedToChat: StopCondition<ToolSet> = ({ steps }) => {
  const last = steps.at(-1);
  if (!last || last.toolCalls.length === 0) return false;
  return (
    last.toolResults.length === last.toolCalls.length &&
    last.toolResults.every(
      (r) => reportedByChat(r.toolName, r.input) && !JSON.stringify(r.output).includes("error"),
    )
  );
};
