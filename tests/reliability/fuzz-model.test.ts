// A model that answers with random tool calls (names real and made up, arguments of any shape,
// any number), through the real daemon. Whatever it does: nothing is destroyed without the
// owner's press, another user's container is untouched, a turn sends a bounded number of
// messages, and the next user's /list is still answered.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TURN_LIMITS } from "../../src/agent/index.js";
import { ALICE, BOB, startBotHarness } from "../support/bot-harness.js";

const TOOLS = [
  "show", // with what: "everyone" or "doctor", admin-only: not Alice's
  "create_container",
  "power",
  "destroy_container",
  "rm_rf_everything", // no such tool
];
const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("dev", "web", "bobs", "start", "stop", "restart"),
  fc.constantFrom("containers", "info", "logs", "usage", "trash", "everyone", "doctor"),
  fc.integer(),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
  fc.constant(null),
);
const toolCall = fc.record({
  name: fc.constantFrom(...TOOLS),
  args: fc.dictionary(
    fc.constantFrom("name", "modules", "action", "what", "from", "trash", "all", "owner"),
    anyValue,
    { maxKeys: 4 },
  ),
});

describe("a model answering with random tool calls", () => {
  it("changes nothing it may not, sends a bounded number of messages, and the bot stays up", async () => {
    const { api, llm, host } = await startBotHarness();
    api.sendText(BOB, "/new bobs git");
    await api.waitFor(BOB, (m) => m.text.startsWith("✅"));
    const turns = fc.sample(fc.array(toolCall, { minLength: 1, maxLength: 40 }), {
      numRuns: 12,
      seed: 11,
    });
    for (const [i, calls] of turns.entries()) {
      llm.script((request) =>
        request.messages.at(-1)?.role === "tool" ? { text: `end ${i}` } : { toolCalls: calls },
      );
      const before = api.messages(ALICE).length;
      api.sendText(ALICE, `turn ${i}`);
      // One chat's updates run in order: the answer to /help comes once the turn is done.
      api.sendText(ALICE, "/help");
      await api.waitFor(
        ALICE,
        (m) => m.text.startsWith("Commands") && api.messages(ALICE).indexOf(m) >= before,
        30_000,
      );
      // Besides /help's answer: a reply, and a progress message or a card per allowed change.
      expect(api.messages(ALICE).length - before - 1).toBeLessThanOrEqual(1 + TURN_LIMITS.changes);
      // The next user is still answered.
      const bobBefore = api.messages(BOB).length;
      api.sendText(BOB, "/list");
      await api.waitFor(
        BOB,
        (m) => m.text.includes("bobs") && api.messages(BOB).indexOf(m) >= bobBefore,
        10_000,
      );
      expect(host.installed()).toContain("bobs");
      expect(
        api
          .messages(ALICE)
          .filter((m) => m.text.startsWith("🗑"))
          .map((m) => m.text),
      ).toEqual([]);
    }
  }, 240_000);
});
