// The Mini App for tests: its page built once per test file (build.mjs's own build, into a
// directory of its own), and the web server over a test's workloads, with every log line and
// response kept for the secrets scan.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWebClient } from "../../build.mjs";
import { Secret } from "../../src/secret.js";
import { startWebApp, type WebApp } from "../../src/web/server.js";
import type { TerminalLimits } from "../../src/web/terminal-session.js";
import type { Workloads } from "../../src/workloads/index.js";
import { captureLog } from "./capture-log.js";
import { TEST_SECRETS } from "./secrets.js";

let built: Promise<string> | undefined;

/** The page's files, built on first use in this process; removed when the process exits. */
export function webClientDir(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "voxnix-web-client-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    await buildWebClient(dir);
    return dir;
  })();
  return built;
}

export interface TestWebApp extends WebApp {
  /** Every log line so far. */
  lines(): string[];
  /** Log lines and `responses` into `dir`, for tempDir's scan for the suite's secrets. */
  keepFor(dir: string, responses: readonly string[]): void;
}

/** The web server over `workloads`, on loopback, logging into memory. */
export async function startTestWebApp(
  workloads: Workloads,
  options: { terminalLimits?: Partial<TerminalLimits> } = {},
): Promise<TestWebApp> {
  const logs = captureLog({ level: "debug" });
  const app = await startWebApp({
    workloads,
    botToken: new Secret(TEST_SECRETS.botToken),
    log: logs.log,
    assetsDir: await webClientDir(),
    publicUrl: "https://voxnix.example.ts.net",
    listen: { host: "127.0.0.1", port: 0 },
    ...(options.terminalLimits ? { terminalLimits: options.terminalLimits } : {}),
  });
  return {
    ...app,
    lines: logs.lines,
    keepFor(dir, responses) {
      writeFileSync(join(dir, "web.log"), logs.lines().join("\n"));
      writeFileSync(join(dir, "responses.txt"), responses.join("\n"));
    },
  };
}
