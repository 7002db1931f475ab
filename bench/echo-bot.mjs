// The baselines of the bot-overhead bench, each run as its own process like the daemon, with the
// same runner and per-chat ordering as voxnix:
// - the least a grammY bot can do per message: echo it;
// - with LLM_BASE_URL set, the least an LLM bot can do: one model call (AI SDK, same provider
//   setup as voxnix, no tools, no history), then reply with its text.
import { createOpenAI } from "@ai-sdk/openai";
import { run, sequentialize } from "@grammyjs/runner";
import { generateText } from "ai";
import { Bot } from "grammy";

const { TELEGRAM_BOT_TOKEN = "", TELEGRAM_API_ROOT = "", LLM_BASE_URL } = process.env;
const model = LLM_BASE_URL
  ? createOpenAI({ baseURL: LLM_BASE_URL, apiKey: "none" }).chat("bench")
  : undefined;

const bot = new Bot(TELEGRAM_BOT_TOKEN, { client: { apiRoot: TELEGRAM_API_ROOT } });
bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
bot.on("message:text", async (ctx) => {
  if (!model) return ctx.reply(`echo: ${ctx.message.text}`);
  const { text } = await generateText({ model, prompt: ctx.message.text });
  return ctx.reply(text);
});
await bot.init();
const runner = run(bot);
process.once("SIGTERM", () => void runner.stop().then(() => process.exit(0)));
