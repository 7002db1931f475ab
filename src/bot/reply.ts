import { Refusal } from "../workloads/index.js";
import type { Context } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { isVoxnixError } from "../errors.js";
import type { Logger } from "../log.js";
import { currentOperationId } from "../log.js";
import { lines, rich, split, type Rich } from "./format.js";

/**
 * Sends `message` to the current chat, split at Telegram's limit; buttons go under the last
 * piece. Returns the last message sent.
 */
export async function say(ctx: Context, message: Rich, keyboard?: InlineKeyboardMarkup) {
  const pieces = split(message);
  let last;
  for (const [i, piece] of pieces.entries()) {
    last = await ctx.reply(piece.text, {
      entities: [...piece.entities],
      ...(keyboard && i === pieces.length - 1 ? { reply_markup: keyboard } : {}),
    });
  }
  return last as NonNullable<typeof last>;
}

/** The answer, or what the user sees when producing it failed (logged). */
export function answerOrFailure(answer: Promise<Rich>, log: Logger): Promise<Rich> {
  return answer.catch((error: unknown) => {
    logFailure(log, error, "request failed");
    return describeFailure(error);
  });
}

/**
 * Logs why a request did not succeed. A refusal is an answer (no access, a taken name): info,
 * without a stack, so journalctl's errors are the faults an admin must look at.
 */
export function logFailure(log: Logger, error: unknown, message: string, fields: object = {}) {
  if (error instanceof Refusal)
    log.info({ ...fields, refused: error.reason, reason: error.message }, "refused");
  else log.error({ ...fields, err: error }, message);
}

/**
 * What a user sees when something fails: voxnix's own short, actionable message, or for anything
 * unexpected an apology with the operation id the admin can find in the journal.
 */
export function describeFailure(error: unknown): Rich {
  if (isVoxnixError(error)) return rich(error.userMessage);
  const ref = currentOperationId();
  return lines(
    "Something went wrong on our side.",
    ref ? rich("The admin can look it up as ref ", ref, ".") : undefined,
  );
}
