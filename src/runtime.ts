import { tailscaleApi } from "./host/tailscale-api.js";
import { egressEnvFiles } from "./host/egress-env.js";
import { join } from "node:path";
import { secretsKeyBytes, type Config } from "./config.js";
import {
  bundledSpawnHelper,
  createHost,
  createRunner,
  hostToolEnvironment,
  readModuleLibrary,
} from "./host/index.js";
import type { Logger } from "./log.js";
import { openStore } from "./store/index.js";
import {
  ContainerSpec,
  createSemaphore,
  createWorkloads,
  secretBox,
  type Workloads,
} from "./workloads/index.js";

export interface Runtime {
  readonly workloads: Workloads;
  readonly log: Logger;
  close(): void;
}

/**
 * The composition root: builds store, host adapters and the workloads service from the
 * configuration. Only entry points (src/main.ts, src/cli/) call it.
 */
export async function createRuntime(
  config: Config,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Runtime> {
  const store = openStore<ContainerSpec>(join(config.stateDir, "voxnix.sqlite"), {
    spec: ContainerSpec,
  });
  try {
    const runner = createRunner({
      log: log.child({ component: "host" }),
      env: hostToolEnvironment(env),
      spawnHelper: bundledSpawnHelper(),
    });
    const host = createHost(runner, {
      stateDir: config.stateDir,
      nixDir: config.nixDir,
      hostRoot: config.hostRoot,
      hostMountNamespace: config.hostMountNamespace,
      storage: config.storage,
    });
    const workloads = createWorkloads({
      store,
      host,
      log: log.child({ component: "workloads" }),
      modules: await readModuleLibrary(config.nixDir),
      limits: config.limits,
      containerNetwork: config.containerNetwork,
      access: config.access,
      tailscaleKey: config.tailscale.authKey,
      tailnet: config.tailscale.oauth && {
        api: tailscaleApi(config.tailscale.oauth),
        tags: config.tailscale.oauth.tags,
      },
      secrets: config.secrets && {
        box: secretBox(secretsKeyBytes(config.secrets.key) as Buffer),
        proxyUrl: `http://${config.containerNetwork.hostAddress}:${config.secrets.egressPort}`,
        envFiles: egressEnvFiles(join(config.stateDir, "egress")),
      },
      buildSlots: createSemaphore(config.limits.buildSlots),
      now: Date.now,
    });
    return { workloads, log, close: () => store.close() };
  } catch (error) {
    store.close();
    throw error;
  }
}
