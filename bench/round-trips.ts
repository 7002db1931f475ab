import { benchDaemon } from "./fixtures.js";

/**
 * Model round trips per intent, through the real daemon and a scripted model that answers each
 * intent the way models do: one tool call, then a closing line once the result is back. The
 * baseline is measured in the same run: a question, whose answer the model must read, takes the
 * full loop (a call for the tool, a call for the text), as every intent did before the turn
 * ended once its work was handed to the chat.
 */
export async function benchRoundTrips() {
  const chat = 41_000;
  const d = await benchDaemon([chat]);
  const intents: {
    intent: string;
    say: string;
    tool: string;
    args: object;
    done: () => boolean;
  }[] = [
    {
      intent: "question",
      say: "what do I have?",
      tool: "show",
      args: { what: "containers" },
      done: () => d.api.messages(chat).some((m) => m.text === "closing line"),
    },
    {
      intent: "create",
      say: "make me a container dev with git",
      tool: "create_container",
      args: { name: "dev", modules: ["git"] },
      done: () => d.api.messages(chat).some((m) => m.text.startsWith("✅ dev is running")),
    },
    {
      intent: "destroy",
      say: "destroy dev",
      tool: "destroy_container",
      args: { name: "dev" },
      done: () => d.api.messages(chat).some((m) => m.text.startsWith("Destroy dev?")),
    },
  ];
  const rows = [];
  let baseline = 0;
  for (const { intent, say, tool, args, done } of intents) {
    d.llm.script((request) =>
      request.messages.at(-1)?.role === "tool"
        ? { text: "closing line" }
        : { toolCalls: [{ name: tool, args: args as Record<string, unknown> }] },
    );
    const before = d.llm.requests().length;
    d.api.sendText(chat, say);
    await d.api.waitFor(chat, done, 30_000);
    const trips = d.llm.requests().length - before;
    if (intent === "question") baseline = trips;
    rows.push({
      measure: `model round trips: ${intent}`,
      voxnix: String(trips),
      baseline: `${baseline} (a question: tool call, then text)`,
      ratio: trips / baseline,
      target: intent === "question" ? "the full loop: the model reads the answer" : "1",
    });
  }
  await d.close();
  return rows;
}
