// /modules, /limits and the agent's change_container (issue 15), through the real daemon: the
// Bot API emulator, the scripted LLM and the fake host.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LlmRequest } from "../fakes/llm-server.js";
import { ALICE, BOB, startBotHarness } from "../support/bot-harness.js";

async function withDev(options: { withAgent?: boolean } = {}) {
  const harness = await startBotHarness(options);
  harness.api.sendText(ALICE, "/new dev git");
  await harness.api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
  const system = () =>
    /^SYSTEM_PATH=(.*)$/m.exec(readFileSync(join(harness.host.confDir, "dev.conf"), "utf8"))?.[1];
  return { ...harness, system };
}

describe("change in place from chat", () => {
  it("/modules NAME offers its modules as toggles, and Change switches the running container", async () => {
    const { api, host, system } = await withDev();
    const before = system();
    api.sendText(ALICE, "/modules dev");
    const picker = await api.waitFor(ALICE, (m) => m.text.startsWith("Modules of dev"));
    const buttons = picker.reply_markup?.inline_keyboard?.flat().map((b) => b.text);
    expect(buttons).toContain("✅ git");
    expect(buttons).toContain("▫️ fish");
    expect(buttons?.some((b) => b.includes("tailscale") || b.includes("workspace"))).toBe(false);
    api.pressButton(ALICE, picker, "t:dev:fish,git");
    await api.waitFor(ALICE, () => api.calls("editMessageReplyMarkup").length === 1);
    // Bob's press of the same button changes nothing of Alice's.
    const pressed = api.pressButton(BOB, picker, "c:dev:fish,git");
    await expect
      .poll(
        () => api.calls("answerCallbackQuery").some((c) => c.params.callback_query_id === pressed),
        { timeout: 10_000 },
      )
      .toBe(true);
    const answer = api
      .calls("answerCallbackQuery")
      .find((c) => c.params.callback_query_id === pressed);
    expect(String(answer?.params.text)).toContain('You have no container named "dev"');
    expect(api.calls("editMessageReplyMarkup")).toHaveLength(1);
    expect(system()).toBe(before);
    api.pressButton(ALICE, picker, "c:dev:fish,git");
    const done = await api.waitFor(ALICE, (m) => m.text.startsWith("🔧 dev"));
    expect(done.text).toBe(
      "🔧 dev: fish, git, workspace; 1 CPU, 2G.\nActive now, without a restart; it is running.",
    );
    expect(system()).not.toBe(before);
    expect(host.runningSystem("dev")).toBe(system());
  });

  it("/modules NAME -git +fish and /limits NAME CPUS MEMORY change it in words, refusing bad input", async () => {
    const { api, host } = await withDev();
    api.sendText(ALICE, "/modules dev -git +fish");
    await api.waitFor(ALICE, (m) => m.text.startsWith("🔧 dev: fish, workspace;"));
    api.sendText(ALICE, "/modules dev fish");
    await api.waitFor(ALICE, (m) => m.text === "Usage: /modules NAME +fish -git.");
    api.sendText(ALICE, "/limits dev");
    await api.waitFor(ALICE, (m) => m.text.startsWith("dev has 1 CPU and 2G of memory."));
    api.sendText(ALICE, "/limits dev 2 4G");
    await api.waitFor(ALICE, (m) => m.text.startsWith("🔧 dev: fish, workspace; 2 CPUs, 4G."));
    expect(host.unitProperties("container@dev.service")).toMatchObject({ CPUQuota: "200%" });
    api.sendText(ALICE, "/limits dev 64");
    await api.waitFor(ALICE, (m) => m.text.includes("At most 4 CPUs per container"));
    api.sendText(ALICE, "/modules dev +tailscale");
    await api.waitFor(ALICE, (m) =>
      m.text.includes("Tailscale is chosen when a container is created"),
    );
    expect(host.unitProperties("container@dev.service")).toMatchObject({ CPUQuota: "200%" });
  });

  it("the agent's change_container switches modules, and says what it did", async () => {
    const { api, llm, host, system } = await withDev({ withAgent: true });
    llm.script((request: LlmRequest) =>
      request.messages.at(-1)?.role === "tool"
        ? { text: "Added fish to dev." }
        : { toolCalls: [{ name: "change_container", args: { name: "dev", add: ["fish"] } }] },
    );
    api.sendText(ALICE, "add fish to dev please");
    await api.waitFor(ALICE, (m) => m.text === "Added fish to dev.");
    expect(host.runningSystem("dev")).toBe(system());
    const result = llm
      .requests()
      .flatMap((r) => r.messages.filter((m) => m.role === "tool").map((m) => String(m.content)));
    expect(result.join("")).toContain('"applied":"switched"');
  });
});
