import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON } from "./fixtures.js";
import { percentile, round } from "./stats.js";

const ECHO_BOT = fileURLToPath(new URL("./echo-bot.mjs", import.meta.url));

/** What user `user` writes as their message number `n`. */
type Text = (user: number, n: number) => string;
const FREE_TEXT: Text = (user, n) => `message ${n} from ${user}`;
/** A command voxnix answers itself: no model, no host command. */
const COMMAND: Text = () => "/help";

/**
 * `chats` users talk at once, each like a person would: a message, wait for the reply, the next
 * one. Latency runs from a message entering the emulator to the bot's reply arriving there.
 */
async function converse(api: BotApiServer, users: number[], perChat: number, text: Text) {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    users.map(async (user) => {
      for (let n = 1; n <= perChat; n++) {
        const sentAt = performance.now();
        api.sendText(user, text(user, n));
        await api.waitFor(user, () => api.messages(user).length >= n, 60_000);
        latencies.push((api.messages(user)[n - 1]?.sentAtMs ?? Number.NaN) - sentAt);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    throughput: (users.length * perChat) / (elapsedMs / 1000),
  };
}

// BENCH_CPU_PROF=DIR writes a V8 CPU profile of each bot there (open in Chrome DevTools).
const profiling = process.env.BENCH_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  : [];
const WARM_UP_USERS = [90_001, 90_002, 90_003, 90_004, 90_005];

/** Runs a bot as its own plain-node process (as in production) against a fresh emulator, then stops it. */
async function measure(
  entry: string[],
  env: (api: BotApiServer, users: number[]) => Record<string, string>,
  users: number[],
  perChat: number,
  text: Text = FREE_TEXT,
) {
  const api = await startBotApiServer();
  const bot = execa(process.execPath, [...profiling, ...entry], {
    env: env(api, [...WARM_UP_USERS, ...users]),
    extendEnv: false,
    reject: false,
    stdio: ["ignore", "ignore", "inherit"],
  });
  while (api.calls("getUpdates").length === 0) await new Promise((r) => setTimeout(r, 10));
  // Neither bot is measured while it still compiles its hot paths.
  await converse(api, WARM_UP_USERS, 6, text);
  const measured = await converse(api, users, perChat, text);
  bot.kill("SIGTERM");
  await bot;
  await api.close();
  return measured;
}

export async function benchBotOverhead(chats = 20, perChat = 30) {
  const users = Array.from({ length: chats }, (_, i) => 10_000 + i);
  const llm = await startLlmServer();
  llm.script((request) => ({ text: `echo: ${String(request.messages.at(-1)?.content)}` }));
  const host = await createFakeHost();
  const bot = (api: BotApiServer) => ({
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
  });
  const echo = await measure([ECHO_BOT], bot, users, perChat);
  const modelEcho = await measure(
    [ECHO_BOT],
    (api) => ({ ...bot(api), LLM_BASE_URL: llm.url }),
    users,
    perChat,
  );
  const voxnixEnv = (api: BotApiServer, everyone: number[]) =>
    benchEnv({ host, api, llm, users: everyone, logLevel: "warn" });
  const voxnix = await measure([DAEMON, "serve"], voxnixEnv, users, perChat);
  const commands = await measure([DAEMON, "serve"], voxnixEnv, users, perChat, COMMAND);
  await Promise.all([llm.close(), host.cleanup()]);

  type Run = typeof voxnix;
  const against = (run: Run, base: Run, name: string, pick: (m: Run) => number, unit: string) => ({
    voxnix: `${round(pick(run))} ${unit}`,
    baseline: `${round(pick(base))} ${unit} (${name})`,
    ratio: round(pick(run) / pick(base), 2),
  });
  const rows = (label: string, pick: (m: Run) => number, unit: string, target = "") => [
    { measure: label, ...against(voxnix, echo, "grammY echo", pick, unit), target },
    {
      measure: "",
      ...against(voxnix, modelEcho, "echo + 1 model call", pick, unit),
      voxnix: "",
      target: "",
    },
  ];
  return [
    ...rows(`bot reply latency p50 (${chats} chats × ${perChat})`, (m) => m.p50, "ms", "≤ 1.3"),
    ...rows("bot reply latency p99", (m) => m.p99, "ms"),
    ...rows("throughput", (m) => m.throughput, "msg/s"),
    {
      measure: "command (/help) latency p50",
      ...against(commands, echo, "grammY echo", (m) => m.p50, "ms"),
      target: "",
    },
    {
      measure: "command (/help) latency p99",
      ...against(commands, echo, "grammY echo", (m) => m.p99, "ms"),
      target: "",
    },
    {
      measure: "command throughput",
      ...against(commands, echo, "grammY echo", (m) => m.throughput, "msg/s"),
      target: "",
    },
  ];
}
