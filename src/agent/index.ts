import { createOpenAI } from "@ai-sdk/openai";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { Workloads } from "../workloads/index.js";
import { createAgent } from "./agent.js";

export { AgentUnavailable, createAgent, type Agent } from "./agent.js";
export { collectEffects, type AdmittedWork, type TurnEffects } from "./effects.js";
export { MAX_TOOL_RESULT_CHARS, TURN_LIMITS } from "./tools.js";
export { BOUNDS } from "./bounds.js";

/** The agent over any OpenAI-compatible chat-completions endpoint (`.chat()`, not Responses). */
export function createConfiguredAgent(config: Config, workloads: Workloads, log: Logger) {
  const provider = createOpenAI({
    baseURL: config.llm.baseUrl,
    apiKey: config.llm.apiKey?.reveal() ?? "none",
  });
  return createAgent({
    workloads,
    model: provider.chat(config.llm.model),
    log: log.child({ component: "agent" }),
    turnTimeoutMs: config.llm.timeoutMs,
  });
}
