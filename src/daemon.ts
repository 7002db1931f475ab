import { run } from "@grammyjs/runner";
import { GrammyError, HttpError } from "grammy";
import { fileURLToPath } from "node:url";
import { ConfigError, type Config } from "./config.js";
import { createBackgroundTasks } from "./bot/background.js";
import { publishCommands } from "./bot/commands.js";
import { deferredAgent } from "./agent/deferred.js";
import { createBot } from "./bot/create-bot.js";
import type { Logger } from "./log.js";
import { createNotifier } from "./bot/notifier.js";
import { readFile } from "node:fs/promises";
import { startEgressProxy, type EgressProxy } from "./egress/proxy.js";
import { startMaintenance, type Maintenance } from "./maintenance.js";
import { createRuntime, type Runtime } from "./runtime.js";
import { startTracing } from "./tracing.js";
import type { WebApp } from "./web/server.js";

export interface Daemon {
  readonly runtime: Runtime;
  /**
   * Stops taking updates, lets running work finish (up to `graceMs`), closes the registry and
   * sends the last spans.
   */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the update loop ends (stop, or a fatal error). */
  readonly done: Promise<void>;
  /** Start-up reconciliation, which runs beside serving. */
  readonly maintenance: Maintenance;
}

/**
 * The daemon: the Telegram transport, with maintenance (reconcile, notices, trash purge) beside
 * it. Serving never waits for reconciliation: operations are leased, so a request and a repair
 * cannot touch one container at once, and a host that is slow or failing holds up no chat.
 * Pending updates are not dropped at start-up: requests sent while it was down are answered.
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
  // First, so that start-up's own work (reconciliation) is traced too.
  const stopTracing = await startTracing(config, log.child({ component: "tracing" }));
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, log, options.env);
  } catch (error) {
    await stopTracing();
    throw error;
  }
  // Containers reach secrets only through the proxy, so it listens before anyone is served.
  let egress: EgressProxy | undefined;
  try {
    egress = config.secrets && (await startEgress(config, runtime, log));
  } catch (error) {
    runtime.close();
    await stopTracing();
    throw error;
  }
  const tasks = createBackgroundTasks(log);
  const agent =
    options.withAgent === false
      ? undefined
      : deferredAgent(async () =>
          (await import("./agent/index.js")).createConfiguredAgent(config, runtime.workloads, log),
        );
  const bot = createBot({
    token: config.telegram.botToken?.reveal() ?? "",
    apiRoot: config.telegram.apiRoot,
    workloads: runtime.workloads,
    tasks,
    log,
    allowGroups: config.telegram.allowGroups,
    webAppUrl: config.web.url,
    ...(agent ? { agent } : {}),
  });
  try {
    await untilReachable(log, async () => {
      // getMe by hand: grammY's own bot.init() retries network errors silently, forever.
      if (!bot.isInited()) bot.botInfo = await bot.api.getMe();
      await bot.api.deleteWebhook({ drop_pending_updates: false });
    });
  } catch (error) {
    await egress?.close();
    runtime.close();
    await stopTracing();
    throw rejectedToken(error) ?? error;
  }
  const maintenance = startMaintenance(runtime.workloads, log.child({ component: "maintenance" }), {
    notifier: createNotifier(bot.api, config.access.admins, log.child({ component: "notices" })),
  });
  const runner = run(bot, {
    // silent: polling failures are logged by the bot as JSON, not printed by the runner.
    runner: { fetch: { allowed_updates: ["message", "callback_query"] }, silent: true },
  });
  log.info({ bot: bot.botInfo.username }, "serving");
  const web = await startWeb(config, runtime, log).catch((error: unknown) => {
    // The chat works without the page: a port in use must not take the bot down with it.
    log.error({ err: error }, "the web app could not start; serving the chat only");
    return undefined;
  });
  // Neither is needed to answer: command menus are cosmetic, the agent loads on demand anyway.
  void publishCommands(bot.api, config.access.admins, log);
  agent?.preload();

  let stopped = false;
  return {
    runtime,
    done: runner.task() ?? Promise.resolve(),
    maintenance,
    async stop(graceMs = 60_000) {
      if (stopped) return;
      stopped = true;
      await runner.stop();
      await web?.close();
      const unfinished = await tasks.drain(graceMs);
      if (unfinished > 0)
        log.warn(
          { unfinished },
          "stopping with work in progress; start-up reconciliation will settle it",
        );
      await maintenance.stop();
      await egress?.close();
      runtime.close();
      await stopTracing();
    },
  };
}

/** The egress proxy on the host's address on the containers' network (src/egress). */
async function startEgress(
  config: Config,
  runtime: Runtime,
  log: Logger,
): Promise<EgressProxy | undefined> {
  const secrets = config.secrets;
  if (!secrets) return undefined;
  return startEgressProxy({
    workloads: runtime.workloads,
    log: log.child({ component: "egress" }),
    host: config.containerNetwork.hostAddress,
    port: secrets.egressPort,
    extraCa: secrets.extraCaFile ? await readFile(secrets.extraCaFile, "utf8") : undefined,
  });
}

/**
 * The Mini App (src/web/), when VOXNIX_WEB_URL is set: loaded only then. Its page is built
 * beside the bundle (dist/web/, build.mjs).
 */
async function startWeb(
  config: Config,
  runtime: Runtime,
  log: Logger,
): Promise<WebApp | undefined> {
  const { url, listen } = config.web;
  if (url === undefined || config.telegram.botToken === undefined) return undefined;
  const { startWebApp } = await import("./web/server.js");
  return startWebApp({
    workloads: runtime.workloads,
    botToken: config.telegram.botToken,
    log: log.child({ component: "web" }),
    assetsDir: fileURLToPath(new URL("web/", import.meta.url)),
    publicUrl: url,
    listen,
  });
}

/**
 * Runs Telegram's handshake until it goes through, saying so while it does not: a host whose
 * network is not up yet, or a Bot API server that is down, is waited for (1 s, doubling, up to
 * 30 s between tries) instead of exiting into a restart loop. An answer from Telegram (a
 * rejected token, say) is not retried.
 */
async function untilReachable(log: Logger, handshake: () => Promise<void>) {
  for (let waitMs = 1_000; ; waitMs = Math.min(waitMs * 2, 30_000)) {
    try {
      return await handshake();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      // One line per try: the stack of a failed fetch says nothing an outage needs.
      log.warn({ reason: reasonOf(error), retryInMs: waitMs }, "cannot reach Telegram; retrying");
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** "Network request for 'getMe' failed!: connect ECONNREFUSED 127.0.0.1:9", without stacks. */
function reasonOf(error: HttpError): string {
  const causes: string[] = [];
  for (let cause: unknown = error.error; cause instanceof Error; cause = cause.cause)
    causes.push(cause.message);
  return [error.message, ...causes].join(": ");
}

/**
 * Telegram refusing the token is a configuration error (exit 78, which the unit does not
 * restart), not an outage to retry.
 */
function rejectedToken(error: unknown): ConfigError | undefined {
  if (!(error instanceof GrammyError) || error.error_code !== 401) return undefined;
  return new ConfigError([
    {
      variable: "TELEGRAM_BOT_TOKEN",
      problem: "Telegram rejected it (401 Unauthorized); use the token BotFather gave you",
    },
  ]);
}
