import type { Context } from "grammy";

/** Telegram shows "typing…" for about five seconds; renewed just before it lapses. */
const TYPING_RENEW_MS = 4_500;

/**
 * Shows "typing…" in the chat, from `afterMs` on, until `stop()`. Never awaited, never delaying
 * the work it accompanies; a failed chat action is only cosmetic.
 */
export function showTyping(ctx: Context, options: { afterMs?: number } = {}) {
  const send = () => void ctx.replyWithChatAction("typing").catch(() => {});
  let renew: NodeJS.Timeout | undefined;
  const begin = () => {
    send();
    renew = setInterval(send, TYPING_RENEW_MS);
  };
  const first = options.afterMs ? setTimeout(begin, options.afterMs) : undefined;
  if (!first) begin();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(renew);
    },
  };
}
