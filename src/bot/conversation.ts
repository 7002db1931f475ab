import { collectEffects, type Agent } from "../agent/index.js";
import { askDestroyCard, showList, startCreate, startRestore, type BotDeps } from "./actions.js";
import type { BotContext } from "./context.js";
import { rich } from "./format.js";
import { say } from "./reply.js";

/** Requests a command covers exactly are answered without the LLM. */
const LIST_REQUEST = /^(?:please\s+)?(?:list|show)(?:\s+me)?(?:\s+my)?\s+containers[\s?.!]*$/i;

/**
 * Free text goes to the agent. Its reply is sent first; then what the turn started: a confirmation
 * card per destroy it asked for (only the user's press runs it) and a progress message per create.
 */
export function agentConversation(agent: Agent, deps: BotDeps) {
  return async (ctx: BotContext, text: string) => {
    if (LIST_REQUEST.test(text.trim())) return showList(ctx, deps);
    const { effects, confirmations, creates, restores } = collectEffects();
    await ctx.replyWithChatAction("typing").catch(() => {});
    const typing = setInterval(() => void ctx.replyWithChatAction("typing").catch(() => {}), 4_500);
    let answer: string;
    try {
      answer = await agent.turn(ctx.actor, text, effects);
    } finally {
      clearInterval(typing);
    }
    await say(ctx, rich(answer));
    for (const request of confirmations) await askDestroyCard(ctx, request);
    for (const { name, modules } of creates) await startCreate(ctx, deps, name, modules);
    for (const { id, name } of restores) await startRestore(ctx, deps, id, name);
  };
}
