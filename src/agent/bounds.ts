import type { ModelMessage } from "ai";

/**
 * Sizes the agent keeps a turn within. Everything in history is re-sent with every later
 * request, so nothing a model or a user typed may stay there at any size: a 1 MB reply or a
 * 100 KB "name" would cost that much again on every turn after.
 */
export const BOUNDS = {
  /** Tokens the model may write in one step. */
  maxOutputTokens: 1_024,
  /** Characters of a reply sent to the chat: at most two Telegram messages. */
  replyChars: 8_000,
  /** Characters of any text kept in history (the user's words, the model's replies). */
  storedTextChars: 2_000,
  /** Characters of each string a tool call's input carries into history. */
  echoedInputChars: 200,
} as const;

const clip = (text: string, chars: number, note: string) =>
  text.length <= chars ? text : `${text.slice(0, chars)}… (${note})`;

/** The reply as the chat gets it. */
export function boundReply(text: string): string {
  return clip(text, BOUNDS.replyChars, "cut: the answer was too long");
}

/** Every string in `value`, clipped (tool inputs are small objects of strings and lists). */
function clipStrings(value: unknown): unknown {
  if (typeof value === "string") return clip(value, BOUNDS.echoedInputChars, "cut");
  if (Array.isArray(value)) return value.slice(0, 50).map(clipStrings);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clipStrings(v)]));
  return value;
}

/**
 * A turn's messages as history keeps them: texts and echoed tool inputs clipped. A reply that is
 * only text is kept as a string, which means the same to every provider: the AI SDK validates
 * the whole history against its message schema on every request, and a string is the cheapest
 * content to check (about a third less of that validation's time in a history of plain replies).
 */
export function boundForHistory(messages: readonly ModelMessage[]): ModelMessage[] {
  return messages.map((message) => {
    if (typeof message.content === "string")
      return {
        ...message,
        content: clip(message.content, BOUNDS.storedTextChars, "cut"),
      } as ModelMessage;
    if (message.role !== "assistant" || !Array.isArray(message.content)) return message;
    const plain = message.content.every(
      (part) => part.type === "text" && part.providerOptions === undefined,
    );
    if (plain && message.content.length > 0 && message.providerOptions === undefined)
      return {
        role: "assistant",
        content: clip(
          message.content.map((part) => (part.type === "text" ? part.text : "")).join(""),
          BOUNDS.storedTextChars,
          "cut",
        ),
      };
    return {
      ...message,
      content: message.content.map((part) => {
        if (part.type === "text")
          return { ...part, text: clip(part.text, BOUNDS.storedTextChars, "cut") };
        if (part.type === "tool-call") return { ...part, input: clipStrings(part.input) };
        return part;
      }),
    };
  });
}
