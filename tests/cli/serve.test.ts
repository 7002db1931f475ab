import { execa } from "execa";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { startBotApiServer } from "../fakes/bot-api-server.js";
import { createFakeHost } from "../fakes/fake-host.js";
import { startServeFakes } from "../support/serve-fakes.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnixCommand } from "../support/voxnix-process.js";

describe("voxnix serve (a real process)", () => {
  it("serves over the Bot API, answers, and exits 0 on SIGTERM", async () => {
    const { api, llm, host } = await startServeFakes();
    // A message sent while the daemon was down is answered once it starts.
    api.sendText(1001, "/help");
    const daemon = execa(...voxnixCommand(["serve"]), {
      cwd: tempDir(),
      env: fakeHostEnv(host, {
        TELEGRAM_BOT_TOKEN: api.token,
        TELEGRAM_API_ROOT: api.url,
        LLM_BASE_URL: llm.url,
      }),
      extendEnv: false,
      reject: false,
    });
    onTestFinished(() => {
      daemon.kill("SIGKILL");
    });
    await api.waitFor(1001, (m) => m.text.startsWith("Commands"), 15_000);
    llm.script(() => ({ text: "hello from the model" }));
    api.sendText(1001, "hi");
    await api.waitFor(1001, (m) => m.text === "hello from the model");
    expect(api.calls("setMyCommands").length).toBeGreaterThanOrEqual(1);
    daemon.kill("SIGTERM");
    const result = await daemon;
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout)
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["serving", "stopping"]));
    expect(String(result.stdout)).not.toContain(api.token);
  });

  it("exits 78 with a clear message when Telegram rejects the token", async () => {
    const [api, host] = await Promise.all([startBotApiServer(), createFakeHost()]);
    onTestFinished(async () => {
      await Promise.all([api.close(), host.cleanup()]);
    });
    const result = await execa(...voxnixCommand(["serve"]), {
      cwd: tempDir(),
      env: fakeHostEnv(host, {
        TELEGRAM_BOT_TOKEN: "999:not-the-token",
        TELEGRAM_API_ROOT: api.url,
        LLM_BASE_URL: "http://127.0.0.1:9/v1",
      }),
      extendEnv: false,
      reject: false,
      timeout: 20_000,
    });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain("TELEGRAM_BOT_TOKEN: Telegram rejected it (401 Unauthorized)");
    expect(`${result.stdout}${result.stderr}`).not.toContain("not-the-token");
  });

  it("says it cannot reach Telegram and keeps trying, rather than exiting or keeping quiet", async () => {
    const host = await createFakeHost();
    onTestFinished(() => host.cleanup());
    // A port nothing listens on: connection refused, as while the network is not up yet.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const daemon = execa(...voxnixCommand(["serve"]), {
      cwd: tempDir(),
      env: fakeHostEnv(host, {
        TELEGRAM_BOT_TOKEN: "123456:TEST-bot-token",
        TELEGRAM_API_ROOT: `http://127.0.0.1:${closed}`,
        LLM_BASE_URL: "http://127.0.0.1:9/v1",
      }),
      extendEnv: false,
      reject: false,
    });
    onTestFinished(() => void daemon.kill("SIGKILL"));
    let output = "";
    daemon.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await expect
      .poll(
        () =>
          output.split("\n").filter((line) => line.includes("cannot reach Telegram; retrying"))
            .length,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThanOrEqual(2);
    expect(daemon.exitCode).toBeNull(); // still trying, not restart-looping
    expect(output).toContain('"retryInMs":2000');
    // One line per try, saying why, without the stacks that filled a terminal before.
    expect(output).toMatch(/"reason":"Network request for 'getMe' failed!: [^"]*ECONNREFUSED/);
    expect(output).not.toContain('"stack"');
  });
});
