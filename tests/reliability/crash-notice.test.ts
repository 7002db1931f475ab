import { execa } from "execa";
import { describe, expect, it, onTestFinished } from "vitest";
import { startBotApiServer } from "../fakes/bot-api-server.js";
import { createFakeHost } from "../fakes/fake-host.js";
import { ALICE, startBotHarness } from "../support/bot-harness.js";
import { consistentAfterRestart, killFakeTools } from "../support/crash.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnixCommand } from "../support/voxnix-process.js";

describe("a daemon killed mid-create", () => {
  it("has its progress message turned into the outcome by the next daemon, which tells the owner", async () => {
    const [api, host] = await Promise.all([startBotApiServer(), createFakeHost()]);
    onTestFinished(async () => {
      await Promise.all([api.close(), host.cleanup()]);
    });
    const stateDir = tempDir("voxnix-state-");
    const daemon = execa(...voxnixCommand(["serve"]), {
      cwd: tempDir(),
      env: fakeHostEnv(host, {
        VOXNIX_STATE_DIR: stateDir,
        TELEGRAM_BOT_TOKEN: api.token,
        TELEGRAM_API_ROOT: api.url,
        LLM_BASE_URL: "http://127.0.0.1:9/v1",
      }),
      extendEnv: false,
      reject: false,
    });
    onTestFinished(() => void daemon.kill("SIGKILL"));
    host.injectFault({ command: "nix-build", action: "gate", gate: "build" });
    api.sendText(ALICE, "/new dev git");
    const progress = await api.waitFor(ALICE, (m) => m.text.startsWith("Creating dev"), 20_000);
    await expect
      .poll(() => host.commandLines("nix-build").length > 0, {
        timeout: 20_000,
      })
      .toBe(true);
    // The unit is killed whole (cgroup): the daemon and the build with it.
    daemon.kill("SIGKILL");
    await daemon;
    // The build dies at its gate with its caller; the gate stays shut, so it cannot run on.
    killFakeTools(host);
    host.clearFaults();

    const next = await startBotHarness({ reuse: { api, host, stateDir } });
    const outcome =
      "❌ Creating dev was interrupted and undone; nothing of it is left. /new dev tries again.";
    await expect
      .poll(() => api.messages(ALICE).find((m) => m.message_id === progress.message_id)?.text, {
        timeout: 10_000,
      })
      .toBe(outcome);
    // An edit notifies nobody: a reply to that message does.
    await api.waitFor(ALICE, (m) => m.message_id !== progress.message_id && m.text === outcome);
    await next.daemon.stop(5_000);
    await consistentAfterRestart(host, stateDir);
  });
});
