import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost } from "../fakes/fake-host.js";
import { startLlmServer, type LlmRequest } from "../fakes/llm-server.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnix } from "../support/voxnix-process.js";

async function chatSetup() {
  const [llm, host] = await Promise.all([startLlmServer(), createFakeHost()]);
  onTestFinished(async () => {
    await Promise.all([llm.close(), host.cleanup()]);
  });
  const env = fakeHostEnv(host, { LLM_BASE_URL: llm.url });
  return {
    llm,
    host,
    chat: (as: string, input: string) =>
      voxnix(["chat", "--as", as], { env, cwd: tempDir(), input }),
  };
}

const lastSaid = (request: LlmRequest) =>
  String(request.messages.filter((m) => m.role === "user").at(-1)?.content);

/** "make …" creates dev with git; anything else asks to destroy dev. */
function createThenDestroy(request: LlmRequest) {
  const tool = request.messages.at(-1)?.role === "tool";
  if (lastSaid(request).startsWith("make")) {
    return tool
      ? { text: "Creating dev." }
      : { toolCalls: [{ name: "create_container", args: { name: "dev", modules: ["git"] } }] };
  }
  return tool
    ? { text: "Confirm below." }
    : { toolCalls: [{ name: "destroy_container", args: { name: "dev" } }] };
}

describe("voxnix chat", () => {
  it("creates and destroys through the same agent, confirming on the terminal", async () => {
    const { llm, host, chat } = await chatSetup();
    llm.script(createThenDestroy);
    const result = await chat("1001", "make me dev with git\ndestroy dev\ndev\n");
    expect(result.exitCode).toBe(0);
    // The create's own progress is the answer: no second model call to say "Creating dev."
    expect(result.stdout).not.toContain("voxnix> Creating dev.");
    expect(result.stdout).toContain("dev is running");
    expect(result.stdout).toContain("Destroy dev? Type its name to confirm:");
    expect(result.stdout).toMatch(/dev destroyed; workspace in trash as dev-/);
    expect(host.installed()).toEqual([]);
  });

  it("keeps the container when the typed name does not match", async () => {
    const { llm, host, chat } = await chatSetup();
    llm.script(createThenDestroy);
    const result = await chat("1001", "make me dev with git\ndestroy dev\nno\n");
    expect(result.stdout).toContain("kept dev");
    expect(host.installed()).toEqual(["dev"]);
  });

  it("applies Telegram's access rules to the user it acts as", async () => {
    const { llm, chat } = await chatSetup();
    const result = await chat("6666", "hello\n");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("6666 has no access");
    expect(llm.requests()).toEqual([]);
  });
});
