import { benchDaemon } from "./fixtures.js";
import { round } from "./stats.js";

const USER = 40_000;
/** benchEnv makes user 1 the admin: admins get two more lookups, so theirs is the larger request. */
const ADMIN = 1;

/**
 * What each request to the model costs: system prompt plus tool schemas, for a user and for an
 * admin (every tool either has), and how a request grows over `turns` turns with a tool call each.
 * The prompt's container list is left empty: it is the user's data, not a fixed cost.
 */
export async function benchLlmBudget(turns = 8) {
  const d = await benchDaemon([USER]);
  d.llm.script((request) =>
    request.messages.at(-1)?.role === "tool"
      ? { text: "You have no containers." }
      : { toolCalls: [{ name: "show", args: { what: "containers" } }] },
  );
  const firstRequests = async (chat: number, count: number) => {
    const before = d.llm.requests().length;
    for (let i = 0; i < count; i++) {
      d.api.sendText(chat, `what containers do I have? (${i})`);
      await d.api.waitFor(chat, () => d.api.messages(chat).length >= i + 1, 30_000);
    }
    return d.llm
      .requests()
      .slice(before)
      .filter((r) => r.messages.at(-1)?.role === "user");
  };
  const user = await firstRequests(USER, turns);
  const [admin] = await firstRequests(ADMIN, 1);
  await d.close();
  const first = user[0];
  const last = user.at(-1);
  if (!first || !last || !admin) throw new Error("no requests recorded");
  const prompt = (r: typeof first) => String(r.messages[0]?.content ?? "").length;
  const schemas = (r: typeof first) => JSON.stringify(r.tools ?? []).length;
  const fixed = (r: typeof first, who: string) => ({
    measure: `prompt + tool schemas per request (${who}, ${r.tools?.length ?? 0} tools)`,
    voxnix: `${prompt(r) + schemas(r)} chars (~${Math.round((prompt(r) + schemas(r)) / 4)} tokens)`,
    baseline: `prompt ${prompt(r)} + schemas ${schemas(r)}`,
    ratio: "",
    target: "≤ 4000 chars",
  });
  const perTurn = (last.raw.length - first.raw.length) / Math.max(1, user.length - 1);
  return [
    fixed(first, "user"),
    fixed(admin, "admin"),
    {
      measure: `request growth per turn (${turns} turns, tool call each)`,
      voxnix: `${round(perTurn)} chars`,
      baseline: `${first.raw.length} chars (first request)`,
      ratio: "",
      target: "",
    },
  ];
}
