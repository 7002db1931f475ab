// A graceful stop (SIGTERM, a deploy) while a turn is still with the model: the turn, and the
// create it admits, finish before the store closes; nothing is left half-made for reconcile.
import { describe, expect, it, vi } from "vitest";
import { ALICE, startBotHarness } from "../support/bot-harness.js";

describe("a graceful stop", () => {
  it("waits for an update still being handled, and for the create it starts", async () => {
    const { api, llm, host, daemon } = await startBotHarness();
    llm.script(() => ({
      delayMs: 1_500,
      then: { toolCalls: [{ name: "create_container", args: { name: "dev", modules: ["git"] } }] },
    }));
    api.sendText(ALICE, "make me dev with git");
    await vi.waitFor(() => expect(llm.requests()).toHaveLength(1), { timeout: 10_000 });
    await daemon.stop(30_000);
    const texts = api.messages(ALICE).map((m) => m.text);
    expect(texts.some((t) => t.startsWith("✅ dev is running"))).toBe(true);
    expect(texts.filter((t) => t.startsWith("Something went wrong"))).toEqual([]);
    expect(host.installed()).toEqual(["dev"]);
  });
});
