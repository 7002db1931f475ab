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
  /** The numbers its buttons were shown with, with their callback data. */
  buttons: { number: number; data: string }[];
}

/** Control characters other than newline and tab: a tenant's log line must not drive the terminal. */
const CONTROL = /(?![\n\t])\p{Cc}/gu;

/**
 * The Bot API as a terminal: what the bot sends to this user, edits and answers is printed, and
 * what the user types becomes the updates Telegram would deliver. The bot's own handlers run
 * unchanged behind it, so the terminal gets exactly the commands, buttons and agent that
 * Telegram gets.
 *
 * Edits print only the lines that changed (a progress message grows line by line). Each button
 * gets a number of its own when it is shown, never reused: typing it presses that button while
 * its message still has it, and says it is gone after.
 */
export function consoleApi(userId: number, print: (text: string) => void) {
  const shown = new Map<number, Shown>();
  const pressable = new Map<number, { messageId: number; data: string }>();
  let nextMessageId = 1;
  let nextUpdateId = 1;
  let nextButton = 1;

  const chat = { id: userId, type: "private" as const, first_name: "console" };
  const from = { id: userId, is_bot: false, first_name: "console" };
  const message = (id: number, text: string): Message.TextMessage => ({
    message_id: id,
    date: Math.floor(Date.now() / 1000),
    chat,
    text,
  });
  const say = (text: string) => print(text.replace(CONTROL, "?"));

  /** Gives `messageId` these buttons (none: it loses them), numbering and printing new ones. */
  const setButtons = (messageId: number, markup: InlineKeyboardMarkup | undefined) => {
    const current = shown.get(messageId);
    if (!current) return;
    for (const button of current.buttons) pressable.delete(button.number);
    const buttons = (markup?.inline_keyboard ?? [])
      .flat()
      .flatMap((b) =>
        "callback_data" in b && b.callback_data ? [{ label: b.text, data: b.callback_data }] : [],
      );
    current.buttons = buttons.map((b) => ({ number: nextButton++, data: b.data }));
    current.buttons.forEach((b) => pressable.set(b.number, { messageId, data: b.data }));
    if (buttons.length > 0)
      say(`  ${buttons.map((b, i) => `[${current.buttons[i]?.number}] ${b.label}`).join("  ")}`);
  };
  const setText = (messageId: number, text: string) => {
    const before = new Set(shown.get(messageId)?.text.split("\n") ?? []);
    const fresh = text.split("\n").filter((line) => !before.has(line));
    if (fresh.length) say(fresh.map((line) => `voxnix> ${line}`).join("\n"));
    const current = shown.get(messageId);
    if (current) current.text = text;
    else shown.set(messageId, { text, buttons: [] });
  };
  /** Only this user's chat is a terminal; what the bot tells other people is not shown here. */
  const toOtherChat = (p: Record<string, unknown>) =>
    p.chat_id !== undefined && Number(p.chat_id) !== userId;

  const ok = <T>(result: T) => ({ ok: true as const, result });
  const transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    switch (method) {
      case "sendMessage": {
        const id = nextMessageId++;
        const text = String(p.text);
        if (toOtherChat(p)) return ok(message(id, text)) as never;
        setText(id, text);
        setButtons(id, p.reply_markup as InlineKeyboardMarkup | undefined);
        return ok(message(id, text)) as never;
      }
      case "editMessageText": {
        const id = Number(p.message_id);
        const text = String(p.text);
        if (toOtherChat(p)) return ok(message(id, text)) as never;
        setText(id, text);
        // Telegram drops the buttons of a message edited without any.
        setButtons(id, p.reply_markup as InlineKeyboardMarkup | undefined);
        return ok(message(id, text)) as never;
      }
      case "editMessageReplyMarkup":
        setButtons(Number(p.message_id), p.reply_markup as InlineKeyboardMarkup | undefined);
        return ok(true) as never;
      case "answerCallbackQuery":
        if (p.text) say(`voxnix> (${String(p.text)})`);
        return ok(true) as never;
      default:
        // The typing indicator, the command menu: nothing to show in a terminal.
        return ok(true) as never;
    }
  };

  return {
    transformer,
    /** The update Telegram would deliver for `text` typed by the user: a message, or a press. */
    updateFor(text: string): Update | undefined {
      const update_id = nextUpdateId++;
      const number = /^\d+$/.test(text) ? Number(text) : undefined;
      const press = number === undefined ? undefined : pressable.get(number);
      if (number !== undefined && number < nextButton && !press) {
        say("voxnix> (that button is gone)");
        return undefined;
      }
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
