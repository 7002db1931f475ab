import { run } from "@grammyjs/runner";
import type { Config } from "./config.js";
import { createBackgroundTasks } from "./bot/background.js";
import { ADMIN_COMMANDS, USER_COMMANDS } from "./bot/commands.js";
import { createConfiguredAgent } from "./agent/index.js";
import { createBot } from "./bot/create-bot.js";
import type { Logger } from "./log.js";
import { startMaintenance } from "./maintenance.js";
import { createRuntime, type Runtime } from "./runtime.js";

export interface Daemon {
  readonly runtime: Runtime;
  /** Stops taking updates, lets running work finish (up to `graceMs`), closes the registry. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the update loop ends (stop, or a fatal error). */
  readonly done: Promise<void>;
}

/**
 * The daemon: registry reconciled with the host before anything else, then the Telegram
 * transport. Pending updates are not dropped at start-up: requests sent while it was down are
 * answered.
 */
export async function startDaemon(
  config: Config,
  log: Logger,
  options: {
    env?: NodeJS.ProcessEnv;
    /** false: commands only, free text is not sent to the LLM. */
    withAgent?: boolean;
  } = {},
): Promise<Daemon> {
  const runtime = await createRuntime(config, log, options.env);
  const stopMaintenance = await startMaintenance(runtime.workloads, log);
  const tasks = createBackgroundTasks(log);
  const agent =
    options.withAgent === false ? undefined : createConfiguredAgent(config, runtime.workloads, log);
  const bot = createBot({
    token: config.telegram.botToken?.reveal() ?? "",
    apiRoot: config.telegram.apiRoot,
    workloads: runtime.workloads,
    tasks,
    log,
    allowGroups: config.telegram.allowGroups,
    ...(agent ? { agent } : {}),
  });
  await bot.init();
  await bot.api.deleteWebhook({ drop_pending_updates: false });
  await bot.api.setMyCommands([...USER_COMMANDS]);
  for (const admin of config.access.admins) {
    await bot.api
      .setMyCommands([...ADMIN_COMMANDS], { scope: { type: "chat", chat_id: admin } })
      .catch((error: unknown) =>
        log.warn(
          { err: error, admin },
          "could not set admin commands (has the admin started the bot?)",
        ),
      );
  }
  const runner = run(bot, {
    runner: { fetch: { allowed_updates: ["message", "callback_query"] } },
  });
  log.info({ bot: bot.botInfo.username }, "serving");

  let stopped = false;
  return {
    runtime,
    done: runner.task() ?? Promise.resolve(),
    async stop(graceMs = 60_000) {
      if (stopped) return;
      stopped = true;
      await runner.stop();
      const unfinished = await tasks.drain(graceMs);
      if (unfinished > 0)
        log.warn(
          { unfinished },
          "stopping with work in progress; start-up reconciliation will settle it",
        );
      stopMaintenance();
      runtime.close();
    },
  };
}
