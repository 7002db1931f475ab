import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePress,
  encodePress,
  moduleKeyboard,
  type Press,
} from "../../../src/bot/keyboards.js";

const name = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,9}[a-z0-9])?$/);
const modules = fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 4 });
const id = fc.stringMatching(/^[A-Za-z0-9_-]{16}$/);
// Trash ids: a container name, its destroy time and, on a clash, a counter.
const trashId = fc
  .tuple(
    name,
    fc.integer({ min: 0, max: 10 ** 14 - 1 }),
    fc.option(fc.integer({ min: 2, max: 99 })),
  )
  .map(
    ([n, t, c]) =>
      `${n}-${String(t).padStart(8, "0").slice(0, 8)}t${String(t).slice(-6).padStart(6, "0")}${c ? `-${c}` : ""}`,
  );
const press: fc.Arbitrary<Press> = fc.oneof(
  id.map((i) => ({ kind: "confirm" as const, id: i })),
  id.map((i) => ({ kind: "cancel" as const, id: i })),
  fc.record({
    kind: fc.constant("pick" as const),
    verb: fc.constantFrom("info", "up", "destroy", "snapshot", "rollback", "modules"),
    name,
  }),
  fc.record({
    kind: fc.constant("toggle-module" as const),
    purpose: fc.constantFrom("create" as const, "change" as const),
    name,
    modules,
  }),
  fc.record({ kind: fc.constant("create-with" as const), name, modules }),
  fc.record({ kind: fc.constant("change-to" as const), name, modules }),
  fc.constant({ kind: "request-access" as const }),
  trashId.map((t) => ({ kind: "restore" as const, trashId: t })),
  fc.record({ kind: fc.constant("restore-as" as const), trashId, name }),
  fc.record({
    kind: fc.constant("pick-snapshot" as const),
    name,
    snapshot: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/),
  }),
);

describe("callback data", () => {
  it("decodes exactly what it encodes", () => {
    fc.assert(
      fc.property(press, (p) => {
        expect(decodePress(encodePress(p))).toEqual(p);
      }),
    );
  });

  it("decodes anything else to nothing, never throwing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (data) => {
        const decoded = decodePress(data);
        if (decoded) expect(encodePress(decoded)).toBe(data);
      }),
    );
  });

  it("refuses names no container can have, with the same rule as workloads/", () => {
    for (const data of [
      "p:info:Dev",
      "p:info:-dev",
      "p:info:a-very-long-name",
      "k: dev:git",
      "m:dev:Git",
      "t:Dev:git",
      "c:dev:Git",
    ])
      expect(decodePress(data)).toBeUndefined();
  });

  it("keeps a module keyboard's buttons within Telegram's 64 bytes for the longest name", () => {
    const keyboard = moduleKeyboard(
      "change",
      "abcdefghijk",
      ["devtools", "fish", "git", "tailscale"],
      ["devtools", "fish", "git"],
    );
    for (const row of keyboard.inline_keyboard)
      for (const button of row)
        expect(
          Buffer.byteLength((button as { callback_data: string }).callback_data),
        ).toBeLessThanOrEqual(64);
  });
});
