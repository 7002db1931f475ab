import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { startDaemon } from "../src/daemon.js";
import { createLogger } from "../src/log.js";
import { startBotApiServer } from "../tests/fakes/bot-api-server.js";
import { createFakeHost } from "../tests/fakes/fake-host.js";
import { startLlmServer } from "../tests/fakes/llm-server.js";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** The built daemon, as the appliance runs it (`npm run build` first; run.ts does). */
export const DAEMON = join(REPO_ROOT, "dist", "main.js");
export const tempDir = () => mkdtempSync(join(tmpdir(), "voxnix-bench-"));

/** The daemon's environment on a fake host with the emulator and the scripted model. */
export function benchEnv(options: {
  host: { path: string; root: string; mountNamespace: string };
  api: { url: string; token: string };
  llm: { url: string };
  users: readonly number[];
  logLevel: string;
}): Record<string, string> {
  return {
    PATH: options.host.path,
    TELEGRAM_BOT_TOKEN: options.api.token,
    TELEGRAM_API_ROOT: options.api.url,
    VOXNIX_ADMINS: "1",
    VOXNIX_USERS: options.users.join(","),
    LLM_BASE_URL: options.llm.url,
    VOXNIX_STATE_DIR: tempDir(),
    VOXNIX_NIX_DIR: REPO_ROOT,
    VOXNIX_HOST_ROOT: options.host.root,
    VOXNIX_HOST_MOUNT_NAMESPACE: options.host.mountNamespace,
    LOG_LEVEL: options.logLevel,
  };
}

/** The whole daemon (in this process) against the emulator, an instant scripted model and a fake host. */
export async function benchDaemon(users: number[], settings: { buildDelayMs?: number } = {}) {
  const [api, llm, host] = await Promise.all([
    startBotApiServer(),
    startLlmServer(),
    createFakeHost({ settings }),
  ]);
  llm.script((request) => ({ text: `echo: ${String(request.messages.at(-1)?.content)}` }));
  const env = benchEnv({ host, api, llm, users, logLevel: "silent" });
  const config = loadConfig(env, { purpose: "serve" });
  const daemon = await startDaemon(config, createLogger({ level: "silent" }), { env });
  return {
    api,
    llm,
    host,
    env,
    daemon,
    close: async () => {
      await daemon.stop(5_000);
      await Promise.all([api.close(), llm.close(), host.cleanup()]);
    },
  };
}
