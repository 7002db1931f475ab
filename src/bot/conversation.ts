import { collectEffects } from "../agent/effects.js";
import type { Agent } from "../agent/index.js";
import { askConfirmationCard, reportWhenDone, showList } from "./actions.js";
import { changeLine } from "./change-commands.js";
import { carryOut } from "./create-flow.js";
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
    const { effects, confirmations, admitted, followed, releaseAll } = collectEffects();
    // A reply this quick needs no indicator; a model that thinks longer shows one.
    const typing = showTyping(ctx, { afterMs: 300 });
    let answer: string;
    try {
      answer = await agent.turn(ctx.actor, text, effects);
    } catch (error) {
      releaseAll();
      throw error;
    } finally {
      typing.stop();
    }
    // Each admission holds its name until it runs: a reply that cannot be sent must not keep
    // them (releasing one that already runs does nothing).
    try {
      if (answer) await say(ctx, fromMarkdown(answer));
      for (const request of confirmations) await askConfirmationCard(ctx, request);
      for (const work of admitted) await carryOut(ctx, deps, work);
    } catch (error) {
      releaseAll();
      throw error;
    }
    for (const outcome of followed)
      reportWhenDone(
        ctx,
        deps,
        outcome.then((done) => ("power" in done ? powerLine(done.power) : changeLine(done.change))),
      );
  };
}
