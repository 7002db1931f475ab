import { tailscaleApi } from "../../src/host/tailscale-api.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import type { Config } from "../../src/config.js";
import { createHost, createRunner } from "../../src/host/index.js";
import { readModuleLibrary } from "../../src/host/module-library.js";
import { Secret } from "../../src/secret.js";
import { openStore } from "../../src/store/index.js";
import {
  createSemaphore,
  ContainerSpec,
  createWorkloads,
  type Actor,
  type WorkloadDeps,
} from "../../src/workloads/index.js";
import { createFakeHost, type FakeHost, type FakeHostSettings } from "../fakes/fake-host.js";
import { captureLog } from "./capture-log.js";
import { TEST_SECRETS } from "./secrets.js";
import { testSpawnHelper } from "./spawn-helper.js";
import { tempDir } from "./temp-dir.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const TAILSCALE_KEY = TEST_SECRETS.tailscaleKey;

export const alice: Actor = { userId: 1001, role: "user", via: "telegram" };
export const bob: Actor = { userId: 2002, role: "user", via: "telegram" };
export const admin: Actor = { userId: 1, role: "admin", via: "cli" };

const G = 1024 ** 3;

export const DEFAULT_LIMITS: Config["limits"] = {
  buildSlots: 2,
  maxContainers: 20,
  maxContainersPerUser: 5,
  defaultCpus: 1,
  maxCpus: 4,
  defaultMemoryBytes: 2 * G,
  maxMemoryBytes: 8 * G,
  userCpus: 8,
  userMemoryBytes: 16 * G,
  trashDays: 7,
  snapshotsPerContainer: 3,
  idleStopMs: 168 * 3_600_000,
  idleWarnMs: 24 * 3_600_000,
  stoppedTrashMs: 14 * 86_400_000,
  keepAliveProcesses: ["tmux", "claude"],
};

/**
 * The real workloads service (real store, runner, host adapters, module library) over a fake
 * host. Everything is removed when the test finishes.
 */
export async function testWorkloads(
  options: {
    settings?: FakeHostSettings;
    limits?: Partial<Config["limits"]>;
    tailscaleKey?: string | null;
    /** A (fake) Tailscale API reached through an OAuth client: keys are minted per container. */
    tailnet?: { url: string; clientId: string; clientSecret: string; tags?: string[] };
    storage?: "zfs" | "dir";
    now?: () => number;
    /** Reuse a fake host and state directory (e.g. after a killed process), instead of new ones. */
    reuse?: { host: FakeHost; stateDir: string };
  } = {},
) {
  const host =
    options.reuse?.host ??
    (await createFakeHost(options.settings ? { settings: options.settings } : {}));
  if (!options.reuse) onTestFinished(() => host.cleanup());
  const stateDir = options.reuse?.stateDir ?? tempDir("voxnix-state-");
  const store = openStore<ContainerSpec>(join(stateDir, "voxnix.sqlite"), {
    spec: ContainerSpec,
    ...(options.now ? { now: options.now } : {}),
  });
  onTestFinished(() => store.close());
  const logs = captureLog({ level: "debug", secrets: [TAILSCALE_KEY] });
  const runner = createRunner({
    log: logs.log,
    env: { PATH: host.path },
    spawnHelper: testSpawnHelper(),
  });
  const hostAdapters = createHost(runner, {
    stateDir,
    nixDir: REPO_ROOT,
    hostRoot: host.root,
    storage: { backend: options.storage ?? "zfs", pool: "tank", userQuotaBytes: 10 * G },
  });
  const key = options.tailscaleKey === undefined ? TAILSCALE_KEY : options.tailscaleKey;
  const deps: WorkloadDeps = {
    store,
    host: hostAdapters,
    log: logs.log,
    modules: await readModuleLibrary(REPO_ROOT),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    access: { admins: [admin.userId], users: [alice.userId, bob.userId] },
    tailscaleKey: key === null ? undefined : new Secret(key),
    tailnet: options.tailnet && {
      api: tailscaleApi({
        apiUrl: options.tailnet.url,
        clientId: options.tailnet.clientId,
        clientSecret: new Secret(options.tailnet.clientSecret),
        tailnet: "-",
      }),
      tags: options.tailnet.tags ?? ["tag:voxnix", "tag:voxnix-{owner}"],
    },
    buildSlots: createSemaphore(options.limits?.buildSlots ?? DEFAULT_LIMITS.buildSlots),
    now: options.now ?? Date.now,
  };
  return { host, store, stateDir, logs, deps, workloads: createWorkloads(deps) };
}

export type TestWorkloads = Awaited<ReturnType<typeof testWorkloads>>;
