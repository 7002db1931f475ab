import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromMarkdown } from "../../../src/bot/markdown.js";

/** The entities as [type, the text they cover], for reading. */
const covered = (markdown: string) => {
  const { text, entities } = fromMarkdown(markdown);
  return { text, spans: entities.map((e) => [e.type, text.slice(e.offset, e.offset + e.length)]) };
};

describe("fromMarkdown", () => {
  it("turns a model's usual reply into entities, with no syntax left", () => {
    expect(
      covered("**Sure!** I'll create `dev` with *git* and ~~fish~~ **_nested_ emphasis**."),
    ).toEqual({
      text: "Sure! I'll create dev with git and fish nested emphasis.",
      spans: [
        ["bold", "Sure!"],
        ["code", "dev"],
        ["italic", "git"],
        ["strikethrough", "fish"],
        ["bold", "nested emphasis"],
        ["italic", "nested"],
      ],
    });
  });

  it("keeps code blocks whole with their language, lists as bullets, headings bold", () => {
    expect(
      covered(
        "## Next steps\n\n1. Connect:\n2. Clone\n\n- a\n- b\n\n```sh\nssh dev\nls *.txt\n```",
      ),
    ).toEqual({
      text: "Next steps\n\n1. Connect:\n2. Clone\n\n• a\n• b\n\nssh dev\nls *.txt",
      spans: [
        ["bold", "Next steps"],
        ["pre", "ssh dev\nls *.txt"],
      ],
    });
    expect(fromMarkdown("```sh\nx\n```").entities[0]).toMatchObject({ language: "sh" });
  });

  it("links the web only, and a bare URL stays itself", () => {
    expect(
      fromMarkdown("[the docs](https://tailscale.com/kb) and https://example.org").entities,
    ).toEqual([{ type: "text_link", offset: 0, length: 8, url: "https://tailscale.com/kb" }]);
    expect(fromMarkdown("[click](javascript:alert(1))")).toEqual({ text: "click", entities: [] });
  });

  it("leaves stray asterisks, underscores and plain text as they are", () => {
    for (const plain of [
      "2 * 3 * 4 = 24",
      "snake_case_name and file_name.txt",
      "Hello!\nTwo lines.",
      "First paragraph.\n\nSecond one.",
      "Price: 5 $ — ok? (yes)",
    ])
      expect(fromMarkdown(plain)).toEqual({ text: plain, entities: [] });
  });

  it("never produces an entity outside its text, whatever it is given", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (input) => {
        const { text, entities } = fromMarkdown(input);
        for (const e of entities) {
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.length).toBeGreaterThan(0);
          expect(e.offset + e.length).toBeLessThanOrEqual(text.length);
        }
      }),
    );
  });
});
