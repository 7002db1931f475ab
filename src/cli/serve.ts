import { loadConfig, secretValues } from "../config.js";
import { startDaemon } from "../daemon.js";
import { killAllHostCommands } from "../host/index.js";
import { createLogger, withOperation } from "../log.js";

/**
 * `voxnix serve`: validates the configuration (every problem at once), reconciles the registry
 * with the host, and serves Telegram until SIGTERM/SIGINT, then lets running work finish.
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env, { purpose: "serve" });
  const log = createLogger({
    level: config.log.level,
    secrets: secretValues(config),
    pretty: process.stdout.isTTY === true,
  });
  const daemon = await withOperation(() => startDaemon(config, log, { env }), "startup");
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, "stopping");
    void daemon.stop().finally(() => {
      killAllHostCommands();
      process.exit(0);
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  await daemon.done;
}
