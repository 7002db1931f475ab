import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";
import { benchEnv, DAEMON } from "./fixtures.js";
import { percentile, round } from "./stats.js";

const ECHO_BOT = fileURLToPath(new URL("./echo-bot.mjs", import.meta.url));

/**
 * `chats` users talk at once, each like a person would: a message, wait for the reply, the next
 * one. Latency runs from a message entering the emulator to the bot's reply arriving there.
 */
async function converse(api: BotApiServer, users: number[], perChat: number) {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    users.map(async (user) => {
      for (let n = 1; n <= perChat; n++) {
        const sentAt = performance.now();
        api.sendText(user, `message ${n} from ${user}`);
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
  await converse(api, WARM_UP_USERS, 6);
  const measured = await converse(api, users, perChat);
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
  const voxnix = await measure(
    [DAEMON, "serve"],
    (api, everyone) => benchEnv({ host, api, llm, users: everyone, logLevel: "warn" }),
    users,
    perChat,
  );
  await Promise.all([llm.close(), host.cleanup()]);
  const row = (measure: string, pick: (m: typeof voxnix) => number, unit: string, target = "") => [
    {
      measure,
      voxnix: `${round(pick(voxnix))} ${unit}`,
      baseline: `${round(pick(echo))} ${unit} (grammY echo)`,
      ratio: round(pick(voxnix) / pick(echo), 2),
      target,
    },
    {
      measure: "",
      voxnix: "",
      baseline: `${round(pick(modelEcho))} ${unit} (echo + 1 model call)`,
      ratio: round(pick(voxnix) / pick(modelEcho), 2),
      target: "",
    },
  ];
  return [
    ...row(`bot reply latency p50 (${chats} chats × ${perChat})`, (m) => m.p50, "ms", "≤ 1.3"),
    ...row("bot reply latency p99", (m) => m.p99, "ms"),
    ...row("throughput", (m) => m.throughput, "msg/s"),
  ];
}
