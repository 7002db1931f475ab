import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { Bot } from "grammy";
import type { Logger } from "../log.js";
import { currentOperationId, withOperation } from "../log.js";
import { inSpan } from "../tracing.js";
import type { UserFromGetMe } from "grammy/types";
import type { Actor, Workloads } from "../workloads/index.js";
import type { Agent } from "../agent/index.js";
import type { BackgroundTasks } from "./background.js";
import { agentConversation } from "./conversation.js";
import { accessGate } from "./access.js";
import { callbacks } from "./callbacks.js";
import { commands } from "./commands.js";
import type { BotContext } from "./context.js";
import { rich, code } from "./format.js";
import { describeFailure, logFailure, say } from "./reply.js";

export interface CreateBotOptions {
  readonly token: string;
  readonly apiRoot: string;
  readonly workloads: Workloads;
  readonly tasks: BackgroundTasks;
  readonly log: Logger;
  readonly allowGroups: boolean;
  /** Answers free text; without one the bot works by commands only. */
  readonly agent?: Agent;
  /** Who the bot is, when it is not to ask Telegram (the console transport). */
  readonly botInfo?: UserFromGetMe;
  /** The Mini App's URL: /info cards get buttons that open it (VOXNIX_WEB_URL). */
  readonly webAppUrl?: string | undefined;
  /** The transport its actors act through, for the audit: Telegram unless told. */
  readonly via?: Actor["via"];
}

/**
 * The Telegram transport: identity and order in, workloads/ calls out. It translates; every
 * decision is made below it.
 */
export function createBot(options: CreateBotOptions): Bot<BotContext> {
  // A request Telegram does not answer in a minute fails (grammY's default waits 500 s), so an
  // unreachable Bot API is reported and retried; long polling asks for 30 s at a time.
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: { apiRoot: options.apiRoot, timeoutSeconds: 60 },
  });
  const log = options.log.child({ component: "bot" });
  // Calls are retried on 429 and 5xx, bounded so that a chat never looks stuck. Not polling:
  // the runner retries getUpdates itself from 100 ms up, where auto-retry would wait 3 s, 6 s …
  // before the bot sees any message again.
  // Not network errors (rethrowHttpErrors): auto-retry would retry those forever, silently, with
  // its attempts uncounted (@grammyjs/auto-retry's call loop), holding the chat's queue; the
  // start-up handshake retries them itself and says so (daemon.ts).
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true });
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return retry(prev, method, payload, signal);
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      if (!signal?.aborted) log.warn({ err: error }, "polling Telegram failed; retrying");
      throw error;
    }
  });
  const deps = {
    workloads: options.workloads,
    tasks: options.tasks,
    log,
    webAppUrl: options.webAppUrl,
  };

  // One operation id per update, in every log line it causes, and one span, the root of its
  // trace: ids only, never the text (tracing.ts).
  // Tracked as running work, so a graceful stop waits for an update still being handled (a
  // turn that admitted a create) instead of closing the store under it.
  bot.use((ctx, next) =>
    options.tasks.track(
      withOperation(() =>
        inSpan(
          "telegram update",
          {
            "voxnix.user": ctx.from?.id,
            "voxnix.operation": currentOperationId(),
            "telegram.update_id": ctx.update.update_id,
            "telegram.update_type": Object.keys(ctx.update).find((key) => key !== "update_id"),
          },
          () => next(),
        ),
      ),
    ),
  );
  // Updates of one chat run in order; different chats run concurrently.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(
    accessGate(options.workloads, {
      allowGroups: options.allowGroups,
      log,
      via: options.via ?? "telegram",
    }),
  );

  const safe = bot.errorBoundary(async (error) => {
    logFailure(log, error.error, "update failed", { update: error.ctx.update.update_id });
    const failure = describeFailure(error.error);
    if (error.ctx.callbackQuery)
      await error.ctx.answerCallbackQuery({ text: failure.text.slice(0, 190) }).catch(() => {});
    else await say(error.ctx, failure).catch(() => {});
  });
  const converse = options.agent ? agentConversation(options.agent, deps) : undefined;
  safe.use(commands(deps));
  safe.use(callbacks(deps));
  safe.on("message:text", async (ctx) => {
    if (ctx.message.text.startsWith("/"))
      return say(ctx, rich("I do not know that command. ", code("/help"), " lists them."));
    if (!converse) return say(ctx, rich("Use the commands: ", code("/help"), "."));
    await converse(ctx, ctx.message.text);
  });
  bot.catch((error) => log.error({ err: error.error }, "unhandled bot error"));
  return bot;
}
