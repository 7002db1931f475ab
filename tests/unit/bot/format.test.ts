import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bold, code, lines, rich, split } from "../../../src/bot/format.js";

describe("rich", () => {
  it("places entities at UTF-16 offsets after the preceding text", () => {
    const message = rich("🐳 ", bold("dev"), " is ", code("running"));
    expect(message.text).toBe("🐳 dev is running");
    expect(message.entities).toEqual([
      { type: "bold", offset: 3, length: 3 },
      { type: "code", offset: 10, length: 7 },
    ]);
  });

  it("drops falsy parts and joins lines", () => {
    expect(lines("a", false, undefined, bold("b")).text).toBe("a\nb");
  });
});

describe("split", () => {
  it("keeps short messages whole", () => {
    const message = rich("hello ", bold("you"));
    expect(split(message)).toEqual([message]);
  });

  it("splits long text at line breaks into pieces Telegram accepts", () => {
    const long = lines(
      ...Array.from({ length: 500 }, (_, i) => rich(bold(`line ${i}`), " — some text")),
    );
    const pieces = split(long);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(4096);
    expect(pieces.map((p) => p.text).join("")).toBe(long.text);
  });

  it("keeps every formatted character formatted, whatever the split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 60 }), fc.boolean()), { maxLength: 80 }),
        fc.integer({ min: 8, max: 200 }),
        (parts, limit) => {
          const message = rich(...parts.map(([text, isBold]) => (isBold ? bold(text) : text)));
          const pieces = split(message, limit);
          expect(pieces.map((p) => p.text).join("")).toBe(message.text);
          const boldChars = (m: {
            text: string;
            entities: readonly { offset: number; length: number }[];
          }) => m.entities.map((e) => m.text.slice(e.offset, e.offset + e.length)).join("");
          expect(pieces.map(boldChars).join("")).toBe(boldChars(message));
          for (const piece of pieces) {
            expect(piece.text.length).toBeLessThanOrEqual(limit);
            for (const e of piece.entities)
              expect(e.offset + e.length).toBeLessThanOrEqual(piece.text.length);
          }
        },
      ),
    );
  });
});
