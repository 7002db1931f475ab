import type { Transformer } from "grammy";
import type { InlineKeyboardMarkup, Message, Update, UserFromGetMe } from "grammy/types";
import { noticePressOf } from "../bot/keyboards.js";
import type { NoticeButton } from "../workloads/index.js";

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

type Entity = { type: string; offset: number; length: number; url?: string };

/** Control characters other than newline and tab: a tenant's log line must not drive the terminal. */
const CONTROL = /(?![\n\t])\p{Cc}/gu;

/**
 * The Bot API as a terminal: what the bot sends to this user, edits and answers is printed, and
 * what the user types becomes the updates Telegram would deliver. The bot's own handlers run
 * unchanged behind it, so the terminal gets exactly the commands, buttons and agent that
 * Telegram gets.
 *
 * Edits print only the lines that changed (a progress message grows line by line). A button
 * gets a number when its message first shows it and keeps it while the message has a button in
 * that place (a picker's toggles keep theirs as their labels change); a number is never given
 * to another message. Typing a number presses that button, says it is gone once its message
 * lost it, and a number never shown presses nothing. A link shows its target after its text.
 *
 * What the bot sends to someone else (an access request to the admins) is handed to `relay`,
 * the notices outbox: the daemon delivers it over Telegram, or that person's console shows it.
 */
export function consoleApi(
  userId: number,
  print: (text: string) => void,
  relay: (message: { userId: number; text: string; buttons: NoticeButton[] }) => void,
) {
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
    const before = current.buttons;
    current.buttons = buttons.map((b, i) => ({
      number: before[i]?.number ?? nextButton++,
      data: b.data,
    }));
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
  const relayed = (p: Record<string, unknown>, text: string) => {
    const buttons = ((p.reply_markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? [])
      .flat()
      .flatMap((b) => {
        const press = "callback_data" in b && b.callback_data && noticePressOf(b.callback_data);
        return press ? [{ text: b.text, press }] : [];
      });
    relay({ userId: Number(p.chat_id), text, buttons });
  };

  const ok = <T>(result: T) => ({ ok: true as const, result });
  const notFound = {
    ok: false as const,
    error_code: 400,
    description: "Bad Request: message to edit not found",
  };
  const transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    switch (method) {
      case "sendMessage": {
        const id = nextMessageId++;
        const text = withLinkTargets(String(p.text), p.entities as Entity[] | undefined);
        if (toOtherChat(p)) {
          relayed(p, text);
          return ok(message(id, text)) as never;
        }
        setText(id, text);
        setButtons(id, p.reply_markup as InlineKeyboardMarkup | undefined);
        return ok(message(id, text)) as never;
      }
      case "editMessageText": {
        const id = Number(p.message_id);
        const text = withLinkTargets(String(p.text), p.entities as Entity[] | undefined);
        if (toOtherChat(p)) return ok(message(id, text)) as never;
        // A message of another session (an interrupted operation's, edited into its outcome by
        // a notice) is not here to edit: Telegram's answer for a message it does not have.
        if (!shown.has(id)) return notFound as never;
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
      if (number !== undefined && !press) {
        say(
          number < nextButton ? "voxnix> (that button is gone)" : `voxnix> (no button ${number})`,
        );
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

/** `text` with each text link's target after it, as "label (url)": a terminal has no links. */
function withLinkTargets(text: string, entities: readonly Entity[] | undefined): string {
  const links = (entities ?? [])
    .filter((e) => e.type === "text_link" && e.url !== undefined)
    .sort((a, b) => b.offset - a.offset);
  let shown = text;
  for (const link of links) {
    const end = link.offset + link.length;
    shown = `${shown.slice(0, end)} (${link.url})${shown.slice(end)}`;
  }
  return shown;
}
