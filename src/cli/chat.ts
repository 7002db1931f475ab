import { join } from "node:path";
import { createInterface } from "node:readline";
import pino from "pino";
import { createConfiguredAgent } from "../agent/index.js";
import { createBackgroundTasks } from "../bot/background.js";
import { createBot } from "../bot/create-bot.js";
import { createNotifier } from "../bot/notifier.js";
import { loadConfig, secretValues } from "../config.js";
import { createLogger } from "../log.js";
import { createRuntime } from "../runtime.js";
import { consoleApi, CONSOLE_BOT } from "./console-api.js";

/** A console session never gives up on work it started: it waits for it before the next line. */
const WAIT_FOR_WORK_MS = 24 * 60 * 60_000;
/** How often a session waiting for a line looks for notices (an idle warning, an admin's act). */
const NOTICES_EVERY_MS = 2_000;

/**
 * `voxnix chat --as USER`: the Telegram bot in the terminal, for debugging on the host and for
 * trying voxnix without Telegram. The bot's own handlers answer (the same commands, buttons,
 * agent and access rules: someone without access is answered as a stranger on Telegram is, and
 * may ask the admins), through a Bot API that prints to the terminal (./console-api.ts). A
 * button is pressed by typing its number. USER's notices from the outbox (idle warnings, an
 * admin's act, a crash) are shown here, taken from the outbox as Telegram's would be. Work a
 * line starts (a create) ends before the next line is read, so a script of lines runs in
 * order. Acts are audited as `cli:USER`. Logs go to a file in the state directory, not between
 * the lines of the conversation. With `commandsOnly`, no model: free text is pointed at /help.
 */
export async function chat(
  env: NodeJS.ProcessEnv,
  userId: number,
  options: { commandsOnly?: boolean } = {},
  io = { input: process.stdin, output: process.stdout },
) {
  // Without a model the LLM settings are not needed, as for the admin verbs.
  const config = loadConfig(env, { purpose: options.commandsOnly ? "admin" : "chat" });
  const logFile = join(config.stateDir, "console.log");
  const log = createLogger({
    level: config.log.level,
    secrets: secretValues(config),
    destination: pino.destination({ dest: logFile, mkdir: true, sync: true }),
  });
  const runtime = await createRuntime(config, log, env);
  const print = (text: string) => io.output.write(`${text}\n`);
  const tasks = createBackgroundTasks(log);
  let noticeTimer: NodeJS.Timeout | undefined;
  try {
    const { workloads } = runtime;
    const terminal = consoleApi(userId, print, (message) => workloads.notices.send(message));
    const bot = createBot({
      token: "console",
      apiRoot: "http://console.invalid",
      workloads,
      tasks,
      log,
      allowGroups: false,
      ...(options.commandsOnly ? {} : { agent: createConfiguredAgent(config, workloads, log) }),
      botInfo: CONSOLE_BOT,
      via: "cli",
    });
    bot.api.config.use(terminal.transformer);
    const notifier = createNotifier(bot.api, [], log);
    let showing: Promise<void> | undefined;
    const showNotices = () =>
      (showing ??= (async () => {
        for (const notice of workloads.notices.pending()) {
          if ((notice.chatId ?? notice.userId) !== userId) continue;
          // Taken before it is shown, so that it is shown once, here or by the daemon.
          if (!workloads.notices.take(notice.id)) continue;
          await notifier.deliver(notice);
          workloads.notices.delivered(notice.id);
        }
      })().finally(() => (showing = undefined)));

    const role = workloads.accessOf(userId);
    print(
      `voxnix chat as ${userId} (${role ?? "no access yet"}): the bot's commands (/help) or plain words; type a button's number to press it; /quit or Ctrl-D leaves. Logs: ${logFile}`,
    );
    const prompt = () => void (io.input.isTTY && io.output.write("you> "));
    await showNotices();
    prompt();
    noticeTimer = setInterval(() => {
      void showNotices().catch((error: unknown) =>
        log.warn({ err: error }, "could not show notices"),
      );
    }, NOTICES_EVERY_MS);
    for await (const line of createInterface({ input: io.input, terminal: false })) {
      const text = line.trim();
      if (text === "/quit") break;
      if (text !== "") {
        const update = terminal.updateFor(text);
        if (update) await bot.handleUpdate(update);
        await tasks.drain(WAIT_FOR_WORK_MS);
        await showNotices();
      }
      prompt();
    }
  } finally {
    clearInterval(noticeTimer);
    await tasks.drain(WAIT_FOR_WORK_MS);
    runtime.close();
  }
}
