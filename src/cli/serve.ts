import { join } from "node:path";
import { loadConfig, secretValues } from "../config.js";
import { VoxnixError } from "../errors.js";
import { createLogger } from "../log.js";
import { openStore } from "../store/index.js";

/** The daemon cannot answer anyone yet: the Telegram transport is the bot issue's work. */
export class TransportUnavailable extends VoxnixError {
  readonly userMessage = "voxnix cannot serve yet.";
}

/**
 * `voxnix serve`: validates the configuration (every problem at once), opens and migrates the
 * registry, then hands over to the Telegram transport.
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env, { purpose: "serve" });
  const log = createLogger({
    level: config.log.level,
    secrets: secretValues(config),
    pretty: process.stdout.isTTY === true,
  });
  const store = openStore(join(config.stateDir, "voxnix.sqlite"));
  log.info({ stateDir: config.stateDir, storage: config.storage.backend }, "registry ready");
  store.close();
  throw new TransportUnavailable(
    "the Telegram transport (src/bot/) is not built yet; configuration and registry are ready (see README, Status)",
  );
}
