import { loadConfig, secretValues } from "../config.js";
import { VoxnixError } from "../errors.js";
import { createLogger, withOperation } from "../log.js";
import { startMaintenance } from "../maintenance.js";
import { createRuntime } from "../runtime.js";

/** The daemon cannot answer anyone yet: the Telegram transport is the bot issue's work. */
export class TransportUnavailable extends VoxnixError {
  readonly userMessage = "voxnix cannot serve yet.";
}

/**
 * `voxnix serve`: validates the configuration (every problem at once), opens and migrates the
 * registry, reconciles it with the host, purges old trash, then hands over to the transport.
 */
export async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env, { purpose: "serve" });
  const log = createLogger({
    level: config.log.level,
    secrets: secretValues(config),
    pretty: process.stdout.isTTY === true,
  });
  const runtime = await createRuntime(config, log, env);
  try {
    const stopMaintenance = await withOperation(
      () => startMaintenance(runtime.workloads, log),
      "startup",
    );
    log.info({ stateDir: config.stateDir, storage: config.storage.backend }, "registry reconciled");
    stopMaintenance();
  } finally {
    runtime.close();
  }
  throw new TransportUnavailable(
    "the Telegram transport (src/bot/) is not built yet; the registry is reconciled and ready (see README, Status)",
  );
}
