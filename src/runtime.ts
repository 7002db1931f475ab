import { tailscaleApi } from "./host/tailscale-api.js";
import { join } from "node:path";
import type { Config } from "./config.js";
import { createHost, createRunner, hostToolEnvironment, readModuleLibrary } from "./host/index.js";
import type { Logger } from "./log.js";
import { openStore } from "./store/index.js";
import {
  ContainerSpec,
  createSemaphore,
  createWorkloads,
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
      buildSlots: createSemaphore(config.limits.buildSlots),
      now: Date.now,
    });
    return { workloads, log, close: () => store.close() };
  } catch (error) {
    store.close();
    throw error;
  }
}
