import { describe, expect, it } from "vitest";
import { consoleApi } from "../../../src/cli/console-api.js";

const USER = 1001;

function terminal() {
  const printed: string[] = [];
  const api = consoleApi(USER, (text) => printed.push(text));
  const call = (method: string, payload: Record<string, unknown>) =>
    (api.transformer as (...a: unknown[]) => Promise<{ result: unknown }>)(
      () => {
        throw new Error("the console never reaches Telegram");
      },
      method,
      payload,
    );
  return { api, printed, call };
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

  it("shows nothing the bot sends to other people", async () => {
    const { printed, call } = terminal();
    await call("sendMessage", { chat_id: 2002, text: "You now have access to voxnix." });
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
    await call("editMessageReplyMarkup", { chat_id: USER, message_id: 1 });
    expect(api.updateFor("2")).toBeUndefined();
    expect(printed.at(-1)).toBe("voxnix> (that button is gone)");
    // A number no button ever had is just text, and a command is marked as one.
    expect(api.updateFor("42")?.message?.text).toBe("42");
    expect(api.updateFor("/list")?.message?.entities).toEqual([
      { type: "bot_command", offset: 0, length: 5 },
    ]);
  });
});
