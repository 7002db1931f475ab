import { createInterface } from "node:readline";
import { createConfiguredAgent } from "../agent/index.js";
import { createBackgroundTasks } from "../bot/background.js";
import { createBot } from "../bot/create-bot.js";
import { loadConfig, secretValues } from "../config.js";
import { createLogger } from "../log.js";
import { createRuntime } from "../runtime.js";
import { Refusal } from "../workloads/index.js";
import { consoleApi, CONSOLE_BOT } from "./console-api.js";

/** A console session never gives up on work it started: it waits for it before the next line. */
const WAIT_FOR_WORK_MS = 24 * 60 * 60_000;

/**
 * `voxnix chat --as USER`: the Telegram bot in the terminal, for debugging on the host and for
 * trying voxnix without Telegram. The bot's own handlers answer (the same commands, buttons,
 * agent and access rules; USER must have access), through a Bot API that prints to the terminal
 * (./console-api.ts). A button is pressed by typing its number. Work a line starts (a create)
 * ends before the next line is read, so a script of lines runs in order. Acts are audited as
 * `cli:USER`.
 */
export async function chat(
  env: NodeJS.ProcessEnv,
  userId: number,
  io = { input: process.stdin, output: process.stdout },
) {
  const config = loadConfig(env, { purpose: "chat" });
  const log = createLogger({
    level: config.log.level === "info" ? "warn" : config.log.level,
    secrets: secretValues(config),
    destination: { write: (l: string) => void process.stderr.write(l) },
  });
  const runtime = await createRuntime(config, log, env);
  const print = (text: string) => io.output.write(`${text}\n`);
  const tasks = createBackgroundTasks(log);
  try {
    const { workloads } = runtime;
    // Said here, not by the bot's gate, whose refusal is written for a stranger on Telegram.
    const role = workloads.accessOf(userId);
    if (!role)
      throw new Refusal(
        "not-allowed",
        `${userId} has no access (the same rules as Telegram apply: voxnix users add ${userId}).`,
      );
    const terminal = consoleApi(userId, print);
    const bot = createBot({
      token: "console",
      apiRoot: "http://console.invalid",
      workloads,
      tasks,
      log,
      allowGroups: false,
      agent: createConfiguredAgent(config, workloads, log),
      botInfo: CONSOLE_BOT,
      via: "cli",
    });
    bot.api.config.use(terminal.transformer);

    print(
      `voxnix chat as ${userId} (${role}): the bot's commands (/help) or plain words; type a button's number to press it; /quit or Ctrl-D leaves.`,
    );
    const prompt = () => void (io.input.isTTY && io.output.write("you> "));
    prompt();
    for await (const line of createInterface({ input: io.input, terminal: false })) {
      const text = line.trim();
      if (text === "/quit") break;
      if (text !== "") {
        const update = terminal.updateFor(text);
        if (update) await bot.handleUpdate(update);
        await tasks.drain(WAIT_FOR_WORK_MS);
      }
      prompt();
    }
  } finally {
    await tasks.drain(WAIT_FOR_WORK_MS);
    runtime.close();
  }
}
