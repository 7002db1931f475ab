import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALICE, BOB, STRANGER, startBotHarness } from "../support/bot-harness.js";

/** Callback data as a forger would write it: our prefixes with junk, and pure junk (≤ 64 bytes). */
const callbackData = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("y:", "n:", "p:", "p:destroy:", "p:down:", "m:", "k:", "t:", "c:", "access:"),
      fc.string({ maxLength: 40 }),
    )
    .map(([a, b]) => a + b),
  fc.string({ minLength: 1, maxLength: 64 }),
);

describe("untrusted input", () => {
  it("answers every forged callback and changes nothing", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(BOB, "/help");
    const target = await api.waitFor(BOB, (m) => m.text.startsWith("Commands"));
    const samples = fc.sample(callbackData, { numRuns: 60, seed: 42 });
    const before = {
      installed: host.installed(),
      machines: host.machines(),
      answered: api.calls("answerCallbackQuery").length,
    };
    const ids = samples.map((data) => api.pressButton(BOB, target, data));
    api.sendText(BOB, "/list");
    await api.waitFor(BOB, (m) => m.text.startsWith("No containers yet"), 20_000);
    const answered = new Set(
      api
        .calls("answerCallbackQuery")
        .slice(before.answered)
        .map((c) => String(c.params.callback_query_id)),
    );
    expect(ids.filter((id) => !answered.has(id))).toEqual([]);
    expect(host.installed()).toEqual(before.installed);
    expect(host.machines()).toEqual(before.machines);
  });

  it("gives a stranger one refusal whatever they send, and never reaches the model or the host", async () => {
    const { api, llm, host } = await startBotHarness();
    const startup = host.calls().length;
    for (const text of fc.sample(fc.string({ minLength: 1, maxLength: 300 }), {
      numRuns: 40,
      seed: 7,
    }))
      api.sendText(STRANGER, text);
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(api.messages(STRANGER)).toHaveLength(1);
    expect(llm.requests()).toEqual([]);
    expect(host.calls().slice(startup)).toEqual([]);
  });

  it("answers arbitrary commands and arguments from a user without crashing", async () => {
    const { api } = await startBotHarness();
    const commands = [
      "/new",
      "/info",
      "/up",
      "/down",
      "/restart",
      "/destroy",
      "/logs",
      "/restore",
      "/trash",
      "/usage",
      "/nope",
    ];
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...commands), fc.string({ maxLength: 40 })),
      { numRuns: 40, seed: 3 },
    );
    for (const [command, argument] of samples) api.sendText(ALICE, `${command} ${argument}`);
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"), 30_000);
    const replies = api.messages(ALICE);
    expect(replies.length).toBeGreaterThanOrEqual(samples.length);
    expect(replies.filter((m) => m.text.startsWith("Something went wrong"))).toEqual([]);
  });
});
