import type { Transformer } from "grammy";
import type { InlineKeyboardMarkup, Message, Update, UserFromGetMe } from "grammy/types";

/** Who the bot is in the terminal; given, so the bot never asks Telegram (getMe). */
export const CONSOLE_BOT = {
  id: 1,
  is_bot: true,
  first_name: "voxnix",
  username: "voxnix_console_bot",
} as UserFromGetMe; // the rest of getMe's fields are about features a console has none of

interface Shown {
  text: string;
  /** The callback data of its buttons, in the order they are numbered. */
  buttons: { label: string; data: string }[];
}

/**
 * The Bot API as a terminal: what the bot sends, edits and answers is printed, and what the user
 * types becomes the updates Telegram would deliver. The bot's own handlers run unchanged behind
 * it, so the terminal gets exactly the commands, buttons and agent that Telegram gets.
 *
 * Edits print only the lines that changed (a progress message grows line by line). Buttons are
 * numbered as they appear; typing a number presses the newest button with it.
 */
export function consoleApi(userId: number, print: (text: string) => void) {
  const shown = new Map<number, Shown>();
  let nextMessageId = 1;
  let nextUpdateId = 1;
  let pressable: { messageId: number; data: string }[] = [];

  const chat = { id: userId, type: "private" as const, first_name: "console" };
  const from = { id: userId, is_bot: false, first_name: "console" };
  const message = (id: number, text: string): Message.TextMessage => ({
    message_id: id,
    date: Math.floor(Date.now() / 1000),
    chat,
    text,
  });

  /** Numbers the buttons of every message that has some, newest last. */
  const renumber = () => {
    pressable = [...shown.entries()].flatMap(([messageId, s]) =>
      s.buttons.map((b) => ({ messageId, data: b.data })),
    );
  };
  const showButtons = (messageId: number) => {
    const buttons = shown.get(messageId)?.buttons ?? [];
    if (buttons.length === 0) return;
    const first = pressable.findIndex((p) => p.messageId === messageId);
    print(`  ${buttons.map((b, i) => `[${first + i + 1}] ${b.label}`).join("  ")}`);
  };
  const buttonsOf = (markup: InlineKeyboardMarkup | undefined) =>
    (markup?.inline_keyboard ?? [])
      .flat()
      .flatMap((b) =>
        "callback_data" in b && b.callback_data ? [{ label: b.text, data: b.callback_data }] : [],
      );
  const setText = (messageId: number, text: string) => {
    const before = new Set(shown.get(messageId)?.text.split("\n") ?? []);
    const fresh = text.split("\n").filter((line) => !before.has(line));
    if (fresh.length) print(fresh.map((line) => `voxnix> ${line}`).join("\n"));
  };

  const ok = <T>(result: T) => ({ ok: true as const, result });
  const transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    switch (method) {
      case "sendMessage": {
        const id = nextMessageId++;
        const text = String(p.text);
        setText(id, text);
        shown.set(id, { text, buttons: buttonsOf(p.reply_markup as InlineKeyboardMarkup) });
        renumber();
        showButtons(id);
        return ok(message(id, text)) as never;
      }
      case "editMessageText": {
        const id = Number(p.message_id);
        const text = String(p.text);
        setText(id, text);
        // Telegram drops the buttons of a message edited without any.
        shown.set(id, { text, buttons: buttonsOf(p.reply_markup as InlineKeyboardMarkup) });
        renumber();
        showButtons(id);
        return ok(message(id, text)) as never;
      }
      case "editMessageReplyMarkup": {
        const id = Number(p.message_id);
        const current = shown.get(id);
        if (current) current.buttons = buttonsOf(p.reply_markup as InlineKeyboardMarkup);
        renumber();
        showButtons(id);
        return ok(true) as never;
      }
      case "answerCallbackQuery":
        if (p.text) print(`voxnix> (${String(p.text)})`);
        return ok(true) as never;
      default:
        // The typing indicator, the command menu: nothing to show in a terminal.
        return ok(true) as never;
    }
  };

  return {
    transformer,
    /** The update Telegram would deliver for `text` typed by the user: a message, or a press. */
    updateFor(text: string): Update {
      const update_id = nextUpdateId++;
      const press = /^\d+$/.test(text) ? pressable[Number(text) - 1] : undefined;
      if (press) {
        const pressed = shown.get(press.messageId) as Shown;
        return {
          update_id,
          callback_query: {
            id: String(update_id),
            from,
            chat_instance: String(userId),
            message: message(press.messageId, pressed.text),
            data: press.data,
          },
        };
      }
      // Telegram marks a leading /command as an entity; grammY's command filter reads it.
      const command = /^\/\w+(@\w+)?/.exec(text)?.[0];
      return {
        update_id,
        message: {
          ...message(nextMessageId++, text),
          chat,
          from,
          ...(command
            ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] }
            : {}),
        },
      };
    },
  };
}
