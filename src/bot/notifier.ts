import { GrammyError, type Api } from "grammy";
import type { Logger } from "../log.js";
import type { NoticeRecord } from "../workloads/index.js";
import { noticePressData } from "./keyboards.js";

/**
 * Maintenance's voice in Telegram: notices from the outbox (the outcome of an operation that a
 * crash interrupted, repaired by whichever process reconciled) and alerts for the admins.
 */
export function createNotifier(api: Api, admins: readonly number[], log: Logger) {
  return {
    async tellAdmins(text: string) {
      for (const admin of admins)
        await api
          .sendMessage(admin, `⚠️ Host maintenance: ${text}`)
          .catch((error: unknown) => log.warn({ err: error, admin }, "could not alert an admin"));
    },
    async deliver(notice: NoticeRecord): Promise<boolean> {
      const chatId = notice.chatId ?? notice.userId;
      try {
        // The message that showed "Creating dev…" becomes the outcome, and a reply to it makes
        // sure the person is told (an edit notifies nobody).
        if (notice.messageId !== undefined)
          await api
            .editMessageText(chatId, notice.messageId, notice.text)
            .catch((error: unknown) =>
              log.debug({ err: error }, "could not edit the interrupted operation's message"),
            );
        await api.sendMessage(chatId, notice.text, {
          ...(notice.buttons.length
            ? {
                reply_markup: {
                  inline_keyboard: [
                    notice.buttons.map((b) => ({
                      text: b.text,
                      callback_data: noticePressData(b.press),
                    })),
                  ],
                },
              }
            : {}),
          ...(notice.messageId !== undefined
            ? {
                reply_parameters: {
                  message_id: notice.messageId,
                  allow_sending_without_reply: true,
                },
              }
            : {}),
        });
        return true;
      } catch (error) {
        // Telegram answered no (the chat is gone, the bot was blocked): retrying cannot help.
        // A 429 that outlasted the retries is only "not now".
        if (error instanceof GrammyError && error.error_code < 500 && error.error_code !== 429) {
          log.warn({ err: error, user: notice.userId }, "notice not deliverable; dropped");
          return true;
        }
        log.warn({ err: error }, "could not deliver a notice; retrying later");
        return false;
      }
    },
  };
}
