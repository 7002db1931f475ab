import type { MiddlewareFn } from "grammy";
import type { Logger } from "../log.js";
import type { Actor, Workloads } from "../workloads/index.js";
import type { BotContext } from "./context.js";
import { bold, code, lines, rich } from "./format.js";
import { confirmKeyboard, isRequestAccess, requestAccessButton } from "./keyboards.js";

/** A stranger hears from us at most once in this window, however often they write. */
const REFUSAL_QUIET_MS = 60 * 60_000;

/**
 * Decides who the bot talks to, from `ctx.from.id` only (the sender, never the chat): allowed
 * users get `ctx.actor` and continue; anyone else gets one short reply with their id and a
 * button to ask the admins, and nothing else happens (no LLM request, no host command).
 * Group chats are ignored unless enabled.
 */
export function accessGate(
  workloads: Workloads,
  options: { allowGroups: boolean; log: Logger; via: Actor["via"] },
): MiddlewareFn<BotContext> {
  const refusedAt = new Map<number, number>();
  return async (ctx, next) => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    if (ctx.chat && ctx.chat.type !== "private" && !options.allowGroups) return;
    const role = workloads.accessOf(from.id);
    if (role) {
      ctx.actor = { userId: from.id, role, via: options.via };
      return next();
    }

    if (isRequestAccess(ctx.callbackQuery?.data)) {
      const name =
        [from.first_name, from.last_name].filter(Boolean).join(" ") +
        (from.username ? ` (@${from.username})` : "");
      const cards = workloads.requestAccess({ id: from.id, name });
      for (const card of cards) {
        const text = lines(
          rich(bold(name), " asks to use voxnix."),
          rich("Telegram id ", code(from.id)),
        );
        await ctx.api
          .sendMessage(card.adminId, text.text, {
            entities: [...text.entities],
            reply_markup: confirmKeyboard(card.id, "Approve", "Deny"),
          })
          .catch((error: unknown) =>
            options.log.warn({ err: error, admin: card.adminId }, "could not notify an admin"),
          );
      }
      await ctx.answerCallbackQuery({ text: "Request sent to the admins." });
      await ctx.editMessageReplyMarkup().catch(() => {});
      return;
    }
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: "You do not have access to this voxnix." });
      return;
    }
    const now = Date.now();
    const last = refusedAt.get(from.id) ?? 0;
    if (now - last < REFUSAL_QUIET_MS) return;
    // Entries past the window no longer quiet anyone: dropped, so that strangers cannot grow
    // the map without bound. Oldest first: a Map keeps insertion order, and an id is deleted
    // before it is set again, so the newest refusal is always last.
    for (const [id, at] of refusedAt) {
      if (now - at < REFUSAL_QUIET_MS) break;
      refusedAt.delete(id);
    }
    refusedAt.delete(from.id);
    refusedAt.set(from.id, now);
    const reply = lines(
      "This is a private voxnix host.",
      rich("Your Telegram id is ", code(from.id), "."),
    );
    await ctx.reply(reply.text, {
      entities: [...reply.entities],
      reply_markup: {
        inline_keyboard: [[requestAccessButton()]],
      },
    });
  };
}
