import { describe, expect, it } from "vitest";
import { STALE_NOTE } from "../../src/workloads/index.js";
import type { BotApiServer } from "../fakes/bot-api-server.js";
import { ALICE, BOB, startBotHarness } from "../support/bot-harness.js";

const createDev = async (api: BotApiServer) => {
  api.sendText(ALICE, "/new dev git");
  await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"), 15_000);
};

describe("a slow or hung host", () => {
  it("lists from the registry when machinectl hangs; other chats and the agent still answer", async () => {
    const { api, llm, host } = await startBotHarness();
    await createDev(api);
    host.injectFault({ command: "machinectl list", action: "hang", spawnChild: true });

    api.sendText(ALICE, "/list");
    api.sendText(BOB, "/help");
    const help = await api.waitFor(BOB, (m) => m.text.startsWith("Commands"));
    const stale = await api.waitFor(ALICE, (m) => m.text.startsWith("Your containers"));
    expect(help.sentAtMs).toBeLessThan(stale.sentAtMs);
    expect(stale.text).toContain("dev running");
    expect(stale.text).toContain(STALE_NOTE);

    // The agent's prompt lists containers too: the turn goes on with the last known states.
    llm.script(() => ({ text: "dev was running when I last looked." }));
    api.sendText(ALICE, "is dev up?");
    await api.waitFor(ALICE, (m) => m.text === "dev was running when I last looked.");
    expect(String(llm.requests().at(-1)?.messages[0]?.content)).toContain(
      "dev: running (last known)",
    );

    host.clearFaults();
    api.sendText(ALICE, "/list");
    const live = await api.waitFor(
      ALICE,
      (m) => m.text.startsWith("Your containers") && m.message_id !== stale.message_id,
    );
    expect(live.text).not.toContain(STALE_NOTE);
  });

  it("answers a slow start in its placeholder, taking the chat's next message meanwhile", async () => {
    const { api, host } = await startBotHarness();
    await createDev(api);
    api.sendText(ALICE, "/down dev");
    await api.waitFor(ALICE, (m) => m.text === "dev is stopped.");
    host.injectFault({ command: "nixos-container start", action: "delay", delayMs: 4_000 });

    api.sendText(ALICE, "/up dev");
    const placeholder = await api.waitFor(ALICE, (m) => m.text === "Starting dev…");
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(placeholder.text).toBe("Starting dev…"); // still starting while /help was answered
    await api.waitFor(ALICE, (m) => m === placeholder && m.text === "dev is running.", 15_000);
    expect(host.machines()).toEqual(["dev"]);
  });

  it("gives the model 'no answer' from a tool whose host command hangs, and replies", async () => {
    const { api, llm, host } = await startBotHarness();
    await createDev(api);
    host.injectFault({ command: "systemctl show", action: "hang" });
    llm.script((request) =>
      request.messages.at(-1)?.role === "tool"
        ? { text: "The host is not answering right now." }
        : { toolCalls: [{ name: "show", args: { what: "info", name: "dev" } }] },
    );
    api.sendText(ALICE, "how long has dev been up?");
    await api.waitFor(ALICE, (m) => m.text === "The host is not answering right now.", 15_000);
    const toolResult = llm.requests().at(-1)?.messages.at(-1);
    expect(String(toolResult?.content)).toContain("did not answer in time");
  });

  it("answers a press on a slow destroy at once, and the card becomes the outcome", async () => {
    const { api, host } = await startBotHarness();
    await createDev(api);
    api.sendText(ALICE, "/destroy dev");
    const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
    host.injectFault({ command: "nixos-container destroy", action: "delay", delayMs: 4_000 });
    api.pressButton(ALICE, card, card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data ?? "");
    await api.waitFor(ALICE, () => api.calls("answerCallbackQuery").length > 0);
    expect(api.calls("answerCallbackQuery")[0]?.params).toMatchObject({ text: "Working on it…" });
    await api.waitFor(ALICE, (m) => m === card && !m.reply_markup); // no second press meanwhile
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(card.text).toBe(
      "Destroy dev?\nIts /workspace stays in your trash for 7 days; /restore brings it back.",
    );
    await api.waitFor(ALICE, (m) => m === card && m.text.startsWith("🗑 dev destroyed"), 15_000);
    expect(host.installed()).toEqual([]);
  });

  it("answers a refusal at once, without a placeholder", async () => {
    const { api } = await startBotHarness();
    api.sendText(BOB, "/up nothere");
    const reply = await api.waitFor(BOB, () => api.messages(BOB).length > 0);
    expect(reply.text).not.toContain("Starting");
    expect(reply.history).toHaveLength(1);
  });
});
