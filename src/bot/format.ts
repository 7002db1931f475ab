import type { MessageEntity } from "grammy/types";

/**
 * Text with Telegram message entities: formatting that cannot leak Markdown or HTML syntax into
 * chat and needs no escaping. Offsets are UTF-16 code units, which is what JS strings count.
 */
export interface Rich {
  readonly text: string;
  readonly entities: readonly MessageEntity[];
}

export type Part = string | number | Rich | undefined | null | false;

const styled =
  (type: "bold" | "italic" | "code" | "pre") =>
  (text: string | number): Rich => {
    const value = String(text);
    return {
      text: value,
      entities: value === "" ? [] : [{ type, offset: 0, length: value.length }],
    };
  };

export const bold = styled("bold");
export const italic = styled("italic");
export const code = styled("code");
export const pre = styled("pre");

/** Concatenates parts; falsy parts vanish, so conditional pieces read inline. */
export function rich(...parts: Part[]): Rich {
  let text = "";
  const entities: MessageEntity[] = [];
  for (const part of parts) {
    if (part === undefined || part === null || part === false) continue;
    if (typeof part === "string" || typeof part === "number") {
      text += String(part);
      continue;
    }
    for (const entity of part.entities)
      entities.push({ ...entity, offset: entity.offset + text.length });
    text += part.text;
  }
  return { text, entities };
}

/** Joins parts line by line. */
export function lines(...parts: Part[]): Rich {
  const present = parts.filter((p) => p !== undefined && p !== null && p !== false);
  return rich(...present.flatMap((part, i) => (i === 0 ? [part] : ["\n", part])));
}

export const TELEGRAM_MESSAGE_LIMIT = 4096;

/**
 * Splits a message into pieces of at most `limit` characters, preferring line breaks, then
 * spaces; entities are clipped to each piece so formatting survives the split.
 */
export function split(message: Rich, limit = TELEGRAM_MESSAGE_LIMIT): Rich[] {
  if (message.text.length <= limit) return [message];
  const pieces: Rich[] = [];
  let start = 0;
  while (start < message.text.length) {
    let end = Math.min(start + limit, message.text.length);
    if (end < message.text.length) {
      const window = message.text.slice(start, end);
      const cut = Math.max(window.lastIndexOf("\n"), window.lastIndexOf(" "));
      if (cut > limit / 2) end = start + cut + 1;
      // Never split a surrogate pair.
      const code = message.text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end--;
    }
    const entities = message.entities
      .filter((e) => e.offset < end && e.offset + e.length > start)
      .map((e) => {
        const from = Math.max(e.offset, start);
        const to = Math.min(e.offset + e.length, end);
        return { ...e, offset: from - start, length: to - from };
      });
    pieces.push({ text: message.text.slice(start, end), entities });
    start = end;
  }
  return pieces;
}

/**
 * A message that must stay one message (an edit has no second piece): cut where split would cut
 * it, with an ellipsis, so it is within Telegram's limit whatever it echoes.
 */
export function truncate(message: Rich, limit = TELEGRAM_MESSAGE_LIMIT): Rich {
  if (message.text.length <= limit) return message;
  const [first] = split(message, limit - 1);
  return rich(first, "…");
}
