import { execa } from "execa";
import { readFileSync } from "node:fs";
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

/** CPU time a process has used so far, in ms (user + system, from /proc; Linux ticks are 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

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

/**
 * Runs a bot as its own plain-node process (as in production) against a fresh emulator, then
 * stops it: latency, throughput, and the bot's own CPU time per message while measured.
 */
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
  const cpuBefore = cpuMs(bot.pid as number);
  const measured = await converse(api, users, perChat, text);
  const cpuPerMessage = (cpuMs(bot.pid as number) - cpuBefore) / (users.length * perChat);
  bot.kill("SIGTERM");
  await bot;
  await api.close();
  return { ...measured, cpu: cpuPerMessage };
}

type Run = Awaited<ReturnType<typeof measure>>;
const median = (values: number[]) => percentile(values, 50);
const span = (values: number[], digits: number) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? `${round(low, digits)}` : `${round(low, digits)}–${round(high, digits)}`;
};

/**
 * The bots take turns, `rounds` times over (echo, echo + model, voxnix free text, voxnix
 * commands, then again), each a fresh process: other load on the machine then falls on every
 * bot alike. A ratio is taken within each round and the median of the rounds reported, with its
 * range; the bots' CPU time per message, which other load moves far less than latency, beside it.
 * Five rounds: with three, one slow minute on a shared 2-core machine moved the median ratio by
 * 0.1 from one run to the next.
 */
export async function benchBotOverhead(chats = 20, perChat = 30, rounds = 5) {
  const users = Array.from({ length: chats }, (_, i) => 10_000 + i);
  const llm = await startLlmServer();
  llm.script((request) => ({ text: `echo: ${String(request.messages.at(-1)?.content)}` }));
  const host = await createFakeHost();
  const bot = (api: BotApiServer) => ({
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
  });
  const voxnixEnv = (api: BotApiServer, everyone: number[]) =>
    benchEnv({ host, api, llm, users: everyone, logLevel: "warn" });
  const runs: { echo: Run; modelEcho: Run; voxnix: Run; commands: Run }[] = [];
  for (let round = 0; round < rounds; round++) {
    const echo = await measure([ECHO_BOT], bot, users, perChat);
    const modelEcho = await measure(
      [ECHO_BOT],
      (api) => ({ ...bot(api), LLM_BASE_URL: llm.url }),
      users,
      perChat,
    );
    const voxnix = await measure([DAEMON, "serve"], voxnixEnv, users, perChat);
    const commands = await measure([DAEMON, "serve"], voxnixEnv, users, perChat, COMMAND);
    runs.push({ echo, modelEcho, voxnix, commands });
  }
  await Promise.all([llm.close(), host.cleanup()]);

  type Bot = keyof (typeof runs)[number];
  const names: Record<Bot, string> = {
    echo: "grammY echo",
    modelEcho: "echo + 1 model call",
    voxnix: "voxnix",
    commands: "voxnix",
  };
  const row = (
    measure: string,
    bot: Bot,
    base: Bot,
    pick: (m: Run) => number,
    unit: string,
    target = "",
  ) => {
    const ours = runs.map((r) => pick(r[bot]));
    const theirs = runs.map((r) => pick(r[base]));
    const ratios = runs.map((r) => pick(r[bot]) / pick(r[base]));
    return {
      measure,
      voxnix: `${round(median(ours))} ${unit} (${span(ours, 1)})`,
      baseline: `${round(median(theirs))} ${unit} (${span(theirs, 1)}) ${names[base]}`,
      ratio: `${round(median(ratios), 2)} (${span(ratios, 2)})`,
      target,
    };
  };
  const pair = (label: string, pick: (m: Run) => number, unit: string, target = "") => [
    row(label, "voxnix", "echo", pick, unit),
    { ...row("", "voxnix", "modelEcho", pick, unit, target), voxnix: "" },
  ];
  const medians = `median of ${rounds} rounds (range)`;
  return [
    ...pair(
      `reply latency p50, ${chats} chats × ${perChat}, ${medians}`,
      (m) => m.p50,
      "ms",
      "≤ 1.3 (model floor)",
    ),
    ...pair("reply latency p99", (m) => m.p99, "ms"),
    ...pair("throughput", (m) => m.throughput, "msg/s"),
    ...pair("bot CPU per message", (m) => m.cpu, "ms"),
    row("command (/help) latency p50", "commands", "echo", (m) => m.p50, "ms"),
    row("command (/help) latency p99", "commands", "echo", (m) => m.p99, "ms"),
    row("command throughput", "commands", "echo", (m) => m.throughput, "msg/s"),
    row("command CPU per message", "commands", "echo", (m) => m.cpu, "ms"),
  ];
}
