import type { InlineKeyboardMarkup } from "grammy/types";
import { within } from "../within.js";
import type { BotDeps } from "./deps.js";
import type { BotContext } from "./context.js";
import { rich, split, type Rich } from "./format.js";
import { startProgress } from "./progress.js";
import { answerOrFailure, say } from "./reply.js";

/** An answer ready this soon is simply sent; a slower one gets a placeholder first. */
export const QUICK_ANSWER_MS = 1_000;

/**
 * Answers with what `work` returns without holding the chat for long. Within QUICK_ANSWER_MS
 * the answer is sent as is. Otherwise `pending` is sent at once and the chat takes its next
 * message, while `work` goes on in the background (a graceful stop waits for it) and the
 * placeholder becomes the answer when it ends: a hung or slow host command holds one message,
 * never the conversation.
 */
export async function replySoonOrLater(
  ctx: BotContext,
  deps: Pick<BotDeps, "tasks" | "log">,
  pending: Rich,
  work: () => Promise<Rich>,
  /** Buttons under the answer, asked once `work` has succeeded (none under a failure). */
  keyboard: () => InlineKeyboardMarkup | undefined = () => undefined,
) {
  const answer = answerOrFailure(work(), deps.log);
  const soon = await within(answer, QUICK_ANSWER_MS);
  if (soon) return void (await say(ctx, soon, keyboard()));

  const placeholder = await startProgress(ctx, pending, deps.log);
  deps.tasks.run("slow reply", async () => {
    const late = await answer;
    const buttons = keyboard();
    if (split(late).length === 1 && !buttons) return placeholder.finish(late);
    // Too long to fit the placeholder: it points down to the answer.
    await placeholder.finish(rich(pending, " ↓"));
    await say(ctx, late, buttons);
  });
}
