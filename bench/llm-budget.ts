import { benchDaemon } from "./fixtures.js";
import { round } from "./stats.js";

/** What each request to the model costs: system prompt plus tool schemas, and growth per turn. */
export async function benchLlmBudget(turns = 8) {
  const d = await benchDaemon([40_000]);
  d.llm.script((request) =>
    request.messages.at(-1)?.role === "tool"
      ? { text: "You have no containers." }
      : { toolCalls: [{ name: "list_containers", args: {} }] },
  );
  for (let i = 0; i < turns; i++) {
    d.api.sendText(40_000, `what containers do I have? (${i})`);
    await d.api.waitFor(40_000, () => d.api.messages(40_000).length >= i + 1, 30_000);
  }
  const firstOfTurn = d.llm.requests().filter((r) => r.messages.at(-1)?.role === "user");
  const fixed = (r: (typeof firstOfTurn)[number]) =>
    String(r.messages[0]?.content ?? "").length + JSON.stringify(r.tools ?? []).length;
  const first = firstOfTurn[0];
  const last = firstOfTurn.at(-1);
  await d.close();
  if (!first || !last) throw new Error("no requests recorded");
  const perTurn = (last.raw.length - first.raw.length) / Math.max(1, firstOfTurn.length - 1);
  return [
    {
      measure: "prompt + tool schemas per request",
      voxnix: `${fixed(first)} chars (~${Math.round(fixed(first) / 4)} tokens)`,
      baseline: "",
      ratio: "",
      target: "≤ 4000 chars",
    },
    {
      measure: `request growth per turn (${turns} turns, tool call each)`,
      voxnix: `${round(perTurn)} chars`,
      baseline: `${first.raw.length} chars (first request)`,
      ratio: "",
      target: "",
    },
  ];
}
