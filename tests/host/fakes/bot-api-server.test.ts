// The Bot API emulator's deleteMessage, held to what Telegram answers (see its header).
import { describe, expect, it } from "vitest";
import { startBotApiServer } from "../../fakes/bot-api-server.js";

describe("Bot API emulator: deleteMessage", () => {
  it("deletes a user's message once, then answers 400 as Telegram does", async () => {
    const api = await startBotApiServer();
    try {
      const id = api.sendText(1001, "sk-something");
      const call = () =>
        fetch(`${api.url}/bot${api.token}/deleteMessage`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chat_id: 1001, message_id: id }),
        }).then(async (r) => ({ status: r.status, body: await r.json() }));
      expect(await call()).toEqual({ status: 200, body: { ok: true, result: true } });
      expect(api.deleted(1001)).toEqual([id]);
      expect(await call()).toEqual({
        status: 400,
        body: {
          ok: false,
          error_code: 400,
          description: "Bad Request: message to delete not found",
        },
      });
    } finally {
      await api.close();
    }
  });
});
