import { Lexer, type Token, type Tokens } from "marked";
import type { MessageEntity } from "grammy/types";
import { rich, type Rich } from "./format.js";

/**
 * A model's Markdown as Telegram message entities: bold, italic, strikethrough, code, code
 * blocks, links, lists, quotes and headings. Models write Markdown whatever the prompt says;
 * sent as text, `**Sure!**` would reach the chat with its asterisks. marked's lexer parses it
 * (CommonMark and GFM, as models write it); nothing is rendered to HTML, and text without
 * Markdown comes out as it went in.
 */
export function fromMarkdown(markdown: string): Rich {
  const blocks = new Lexer({ gfm: true }).lex(markdown);
  return join(blocks.filter((t) => t.type !== "space").map(block), "\n\n");
}

function join(parts: Rich[], separator: string): Rich {
  return rich(...parts.flatMap((part, i) => (i === 0 ? [part] : [separator, part])));
}

/** `inner` with one more entity over all of it. */
function wrap(type: MessageEntity["type"], inner: Rich, extra: object = {}): Rich {
  if (inner.text === "") return inner;
  return {
    text: inner.text,
    entities: [
      { type, offset: 0, length: inner.text.length, ...extra } as MessageEntity,
      ...inner.entities,
    ],
  };
}

function block(token: Token): Rich {
  switch (token.type) {
    case "paragraph":
    case "text":
      return inline((token as Tokens.Paragraph).tokens ?? [], token.raw);
    case "heading":
      return wrap("bold", inline((token as Tokens.Heading).tokens, token.raw));
    case "code": {
      const code = token as Tokens.Code;
      return wrap("pre", rich(code.text), code.lang ? { language: code.lang.split(/\s/)[0] } : {});
    }
    case "list": {
      const list = token as Tokens.List;
      const start = typeof list.start === "number" ? list.start : 1;
      return join(
        list.items.map((item, i) =>
          rich(
            list.ordered ? `${start + i}. ` : "• ",
            join(item.tokens.filter((t) => t.type !== "space").map(block), "\n"),
          ),
        ),
        "\n",
      );
    }
    case "blockquote":
      return wrap(
        "blockquote",
        join(
          (token as Tokens.Blockquote).tokens.filter((t) => t.type !== "space").map(block),
          "\n",
        ),
      );
    case "hr":
      return rich("———");
    default:
      // Tables, HTML and whatever else: as the model wrote it.
      return rich(token.raw.trimEnd());
  }
}

function inline(tokens: Token[], raw: string): Rich {
  if (tokens.length === 0) return rich(raw.trimEnd());
  return rich(
    ...tokens.map((token): Rich => {
      switch (token.type) {
        case "strong":
          return wrap("bold", inline((token as Tokens.Strong).tokens, token.raw));
        case "em":
          return wrap("italic", inline((token as Tokens.Em).tokens, token.raw));
        case "del":
          return wrap("strikethrough", inline((token as Tokens.Del).tokens, token.raw));
        case "codespan":
          return wrap("code", rich((token as Tokens.Codespan).text));
        case "link": {
          const link = token as Tokens.Link;
          const text = inline(link.tokens, link.text);
          // Telegram refuses the whole message over a link it cannot open: web links only.
          if (!/^https?:\/\//i.test(link.href)) return text;
          return text.text === link.href ? text : wrap("text_link", text, { url: link.href });
        }
        case "br":
          return rich("\n");
        case "text": {
          const text = token as Tokens.Text;
          return text.tokens ? inline(text.tokens, text.raw) : rich(text.text);
        }
        case "escape":
          return rich((token as Tokens.Escape).text);
        default:
          return rich(token.raw);
      }
    }),
  );
}
