import { run, sequentialize } from "@grammyjs/runner";
import { Bot } from "grammy";
import { startBotApiServer, type BotApiServer } from "../tests/fakes/bot-api-server.js";
import { benchDaemon } from "./fixtures.js";
import { percentile, round } from "./stats.js";

/** Sends `perChat` messages from each of `chats` users at once; latency from send to reply. */
async function drive(api: BotApiServer, users: number[], perChat: number) {
  const sentAt = new Map<string, number>();
  const started = performance.now();
  for (let n = 0; n < perChat; n++) {
    for (const user of users) {
      const text = `from ${user} #${n}`;
      sentAt.set(`${user}:${text}`, performance.now());
      api.sendText(user, text);
    }
  }
  for (const user of users)
    await api.waitFor(user, () => api.messages(user).length >= perChat, 120_000);
  const elapsedMs = performance.now() - started;
  const latencies = users.flatMap((user) =>
    api
      .messages(user)
      .map(
        (m) => m.sentAtMs - (sentAt.get(`${user}:${m.text.replace(/^echo: /, "")}`) ?? Number.NaN),
      ),
  );
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    throughput: (users.length * perChat) / (elapsedMs / 1000),
  };
}

/** A bare grammY echo bot on the same kind of emulator: the floor any bot pays. */
async function echoBaseline(users: number[], perChat: number) {
  const api = await startBotApiServer();
  const bot = new Bot(api.token, { client: { apiRoot: api.url } });
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
  await bot.init();
  const runner = run(bot);
  const result = await drive(api, users, perChat);
  await runner.stop();
  await api.close();
  return result;
}

export async function benchBotOverhead(chats = 50, perChat = 10) {
  const users = Array.from({ length: chats }, (_, i) => 10_000 + i);
  const baseline = await echoBaseline(users, perChat);
  const d = await benchDaemon(users);
  const voxnix = await drive(d.api, users, perChat);
  await d.close();
  return [
    {
      measure: `bot reply latency p50 (${chats} chats × ${perChat})`,
      voxnix: `${round(voxnix.p50)} ms`,
      baseline: `${round(baseline.p50)} ms (grammY echo)`,
      ratio: round(voxnix.p50 / baseline.p50, 2),
      target: "≤ 1.3",
    },
    {
      measure: "bot reply latency p99",
      voxnix: `${round(voxnix.p99)} ms`,
      baseline: `${round(baseline.p99)} ms`,
      ratio: round(voxnix.p99 / baseline.p99, 2),
      target: "",
    },
    {
      measure: "throughput",
      voxnix: `${round(voxnix.throughput)} msg/s`,
      baseline: `${round(baseline.throughput)} msg/s`,
      ratio: round(voxnix.throughput / baseline.throughput, 2),
      target: "",
    },
  ];
}
