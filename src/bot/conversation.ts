import { collectEffects } from "../agent/effects.js";
import type { Agent } from "../agent/index.js";
import { askDestroyCard, reportWhenDone, showList } from "./actions.js";
import { startCreate, startRestore } from "./create-flow.js";
import type { BotDeps } from "./deps.js";
import type { BotContext } from "./context.js";
import { fromMarkdown } from "./markdown.js";
import { say } from "./reply.js";
import { powerLine } from "./views.js";
import { showTyping } from "./typing.js";

/** Requests a command covers exactly are answered without the LLM. */
const LIST_REQUEST = /^(?:please\s+)?(?:list|show)(?:\s+me)?(?:\s+my)?\s+containers[\s?.!]*$/i;

/**
 * Free text goes to the agent. Its reply is sent first; then what the turn started: a confirmation
 * card per destroy it asked for (only the user's press runs it) and a progress message per create.
 */
export function agentConversation(agent: Agent, deps: BotDeps) {
  return async (ctx: BotContext, text: string) => {
    if (LIST_REQUEST.test(text.trim())) return showList(ctx, deps);
    const { effects, confirmations, creates, restores, powerOutcomes } = collectEffects();
    // A reply this quick needs no indicator; a model that thinks longer shows one.
    const typing = showTyping(ctx, { afterMs: 300 });
    let answer: string;
    try {
      answer = await agent.turn(ctx.actor, text, effects);
    } finally {
      typing.stop();
    }
    if (answer) await say(ctx, fromMarkdown(answer));
    for (const request of confirmations) await askDestroyCard(ctx, request);
    for (const { name, modules } of creates) await startCreate(ctx, deps, name, modules);
    for (const { id, name } of restores) await startRestore(ctx, deps, id, name);
    for (const outcome of powerOutcomes) reportWhenDone(ctx, deps, outcome.then(powerLine));
  };
}
