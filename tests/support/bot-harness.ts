import { openStore } from "../../src/store/index.js";
import { onTestFinished } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createFakeHost, type FakeHost, type FakeHostSettings } from "../fakes/fake-host.js";
import { startBotApiServer, type BotApiServer } from "../fakes/bot-api-server.js";
import { startLlmServer, type LlmServer } from "../fakes/llm-server.js";
import { captureLog } from "./capture-log.js";
import { tempDir } from "./temp-dir.js";
import { TEST_SECRETS } from "./secrets.js";
import { REPO_ROOT, TAILSCALE_KEY } from "./test-workloads.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const ADMIN = 1;
export const ALICE = 1001;
export const BOB = 2002;
export const STRANGER = 6666;
export const LLM_KEY = TEST_SECRETS.llmKey;

export interface BotHarness {
  readonly api: BotApiServer;
  readonly llm: LlmServer;
  readonly host: FakeHost;
  readonly daemon: Daemon;
  readonly logs: ReturnType<typeof captureLog>;
  /** The daemon's environment: a CLI process with it shares the daemon's state and host. */
  readonly env: Record<string, string>;
}

/**
 * The real daemon (configuration from an environment, store, host adapters, bot, runner) against
 * the Bot API emulator, the scripted LLM server and a fake host, all on loopback.
 */
export async function startBotHarness(
  options: {
    settings?: FakeHostSettings;
    env?: Record<string, string>;
    withAgent?: boolean;
    /** A restart: the same Bot API, host and state directory as an earlier daemon. */
    reuse?: { api: BotApiServer; host: FakeHost; stateDir: string };
  } = {},
): Promise<BotHarness> {
  const [api, llm, host] = await Promise.all([
    options.reuse?.api ?? startBotApiServer(),
    startLlmServer(),
    options.reuse?.host ?? createFakeHost(options.settings ? { settings: options.settings } : {}),
  ]);
  const stateDir = options.reuse?.stateDir ?? tempDir("voxnix-bot-");
  const keyFile = join(stateDir, "tailscale-key");
  writeFileSync(keyFile, TAILSCALE_KEY);
  const env = {
    PATH: host.path,
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
    VOXNIX_ADMINS: String(ADMIN),
    VOXNIX_USERS: `${ALICE},${BOB}`,
    LLM_BASE_URL: llm.url,
    LLM_API_KEY: LLM_KEY,
    LLM_MODEL: "scripted",
    VOXNIX_STATE_DIR: stateDir,
    VOXNIX_NIX_DIR: REPO_ROOT,
    VOXNIX_HOST_ROOT: host.root,
    VOXNIX_HOST_MOUNT_NAMESPACE: host.mountNamespace,
    TAILSCALE_AUTH_KEY_FILE: keyFile,
    ...options.env,
  };
  const config = loadConfig(env, { purpose: "serve" });
  const logs = captureLog({ level: "debug", secrets: [api.token, LLM_KEY, TAILSCALE_KEY] });
  const daemon = await startDaemon(config, logs.log, {
    env,
    ...(options.withAgent === false ? { withAgent: false } : {}),
  });
  // Serving does not wait for start-up reconciliation; tests that count host calls do.
  await daemon.maintenance.firstPass;
  onTestFinished(async () => {
    await daemon.stop(5_000);
    try {
      assertNoSecretLeaked({ api, logs, host }, [
        api.token,
        LLM_KEY,
        TAILSCALE_KEY,
        TEST_SECRETS.upstreamKey,
      ]);
    } finally {
      // A reused API and host belong to the test that made them.
      await Promise.all(options.reuse ? [llm.close()] : [api.close(), llm.close(), host.cleanup()]);
    }
  });
  return { api, llm, host, daemon, logs, env };
}

/** When the daemon's registry says container `name` goes to the trash (its lifetime), if ever. */
export function expiryOf(env: Record<string, string>, name: string): number | undefined {
  const store = openStore(join(env.VOXNIX_STATE_DIR as string, "voxnix.sqlite"));
  try {
    return store.activity.find(name)?.expiresAtMs;
  } finally {
    store.close();
  }
}

/** The text of every message the bot sent to a chat, in order (latest version of each). */
export const texts = (api: BotApiServer, chatId: number) => api.messages(chatId).map((m) => m.text);

/**
 * Every bot test ends with a scan: no log line, no message sent to any chat, no host command
 * line and no request to the model may contain a secret.
 */
function assertNoSecretLeaked(
  h: { api: BotApiServer; logs: ReturnType<typeof captureLog>; host: FakeHost },
  secrets: readonly string[],
) {
  const surfaces = {
    logs: h.logs.lines().join("\n"),
    chats: JSON.stringify(
      h.api
        .calls()
        .filter((c) => c.method !== "getUpdates")
        .map((c) => c.params),
    ),
    hostCommands: JSON.stringify(h.host.calls()),
  };
  for (const [surface, text] of Object.entries(surfaces)) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret leaked into ${surface}`);
    }
  }
}
