import { describe, expect, it } from "vitest";
import { consoleApi } from "../../../src/cli/console-api.js";

const USER = 1001;

function terminal() {
  const printed: string[] = [];
  const relayed: unknown[] = [];
  const api = consoleApi(
    USER,
    (text) => printed.push(text),
    (message) => relayed.push(message),
  );
  const call = (method: string, payload: Record<string, unknown>) =>
    (api.transformer as (...a: unknown[]) => Promise<{ result: unknown }>)(
      () => {
        throw new Error("the console never reaches Telegram");
      },
      method,
      payload,
    );
  return { api, printed, relayed, call };
}

describe("the console's Bot API", () => {
  it("never lets text drive the terminal: control characters other than newlines are shown as ?", async () => {
    const { printed, call } = terminal();
    await call("sendMessage", {
      chat_id: USER,
      text: "log: \u001b]52;c;cHduZWQ=\u0007 \u001b[2J\tdone\nnext",
    });
    expect(printed).toEqual(["voxnix> log: ?]52;c;cHduZWQ=? ?[2J\tdone\nvoxnix> next"]);
  });

  it("shows nothing the bot sends to other people, and hands it to the outbox with its answers", async () => {
    const { printed, relayed, call } = terminal();
    await call("sendMessage", {
      chat_id: 1,
      text: "Eve asks to use voxnix.",
      reply_markup: {
        inline_keyboard: [
          [
            { text: "Approve", callback_data: "y:abc" },
            { text: "Deny", callback_data: "n:abc" },
            { text: "Somewhere", url: "https://example.org" },
          ],
        ],
      },
    });
    expect(printed).toEqual([]);
    expect(relayed).toEqual([
      {
        userId: 1,
        text: "Eve asks to use voxnix.",
        buttons: [
          { text: "Approve", press: { kind: "confirm", id: "abc" } },
          { text: "Deny", press: { kind: "cancel", id: "abc" } },
        ],
      },
    ]);
  });

  it("shows a text link's target after its text", async () => {
    const { printed, call } = terminal();
    await call("sendMessage", {
      chat_id: USER,
      text: "Read the guide, then go.",
      entities: [{ type: "text_link", offset: 9, length: 5, url: "https://example.org/g" }],
    });
    expect(printed).toEqual(["voxnix> Read the guide (https://example.org/g), then go."]);
  });

  it("answers an edit of a message it never showed as Telegram does", async () => {
    const { printed, call } = terminal();
    const answer = await call("editMessageText", { chat_id: USER, message_id: 77, text: "x" });
    expect(answer).toMatchObject({ ok: false, error_code: 400 });
    expect(printed).toEqual([]);
  });

  it("turns a typed number into the press of the button shown with it, while it is there", async () => {
    const { api, printed, call } = terminal();
    const keyboard = (labels: string[]) => ({
      inline_keyboard: [labels.map((l) => ({ text: l, callback_data: `p:info:${l}` }))],
    });
    await call("sendMessage", {
      chat_id: USER,
      text: "Which?",
      reply_markup: keyboard(["a", "b"]),
    });
    expect(printed.at(-1)).toBe("  [1] a  [2] b");
    expect(api.updateFor("2")?.callback_query?.data).toBe("p:info:b");
    // A picker's edit keeps the numbers in their places; a button added gets a new one.
    await call("editMessageReplyMarkup", {
      chat_id: USER,
      message_id: 1,
      reply_markup: keyboard(["a ✓", "b", "go"]),
    });
    expect(printed.at(-1)).toBe("  [1] a ✓  [2] b  [3] go");
    expect(api.updateFor("1")?.callback_query?.data).toBe("p:info:a ✓");
    await call("editMessageReplyMarkup", { chat_id: USER, message_id: 1 });
    expect(api.updateFor("2")).toBeUndefined();
    expect(printed.at(-1)).toBe("voxnix> (that button is gone)");
    // A number no button ever had presses nothing and is not sent on as words.
    expect(api.updateFor("42")).toBeUndefined();
    expect(printed.at(-1)).toBe("voxnix> (no button 42)");
    // A command is marked as one.
    expect(api.updateFor("/list")?.message?.entities).toEqual([
      { type: "bot_command", offset: 0, length: 5 },
    ]);
  });
});
