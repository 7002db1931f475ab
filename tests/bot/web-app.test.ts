// The bot's way into the Mini App: web_app buttons on the /info card, only when VOXNIX_WEB_URL is
// set, opening the terminal of a running container and the dashboard.
import { describe, expect, it } from "vitest";
import { ALICE, startBotHarness } from "../support/bot-harness.js";

const URL = "https://voxnix.example.ts.net";

describe("the Mini App's buttons", () => {
  it("puts a terminal and a dashboard button on the /info card of a running container", async () => {
    const { api } = await startBotHarness({
      env: { VOXNIX_WEB_URL: URL, VOXNIX_WEB_LISTEN: "127.0.0.1:0" },
      withAgent: false,
    });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"));
    api.sendText(ALICE, "/info dev");
    const card = await api.waitFor(ALICE, (m) => m.text.includes("Modules:"));
    expect(card.reply_markup?.inline_keyboard?.flat()).toEqual([
      { text: "Terminal", web_app: { url: `${URL}/?terminal=dev` } },
      { text: "Dashboard", web_app: { url: `${URL}/` } },
    ]);
    api.sendText(ALICE, "/info nothere");
    const refusal = await api.waitFor(ALICE, (m) => m.text.includes("nothere"));
    expect(refusal.reply_markup).toBeUndefined();
  });
});
