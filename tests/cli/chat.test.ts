import { existsSync } from "node:fs";
import { join } from "node:path";
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
    env,
    chat: (as: string, input: string) => voxnix(["chat", "--as", as], { env, input }),
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
  it("creates and destroys through the bot's own handlers, a button pressed by its number", async () => {
    const { llm, host, chat } = await chatSetup();
    llm.script(createThenDestroy);
    const result = await chat("1001", "make me dev with git\ndestroy dev\n1\n");
    expect(result.exitCode).toBe(0);
    // The create's own progress is the answer: no second model call to say "Creating dev."
    expect(result.stdout).not.toContain("voxnix> Creating dev.");
    expect(result.stdout).toContain("voxnix> Creating dev…");
    expect(result.stdout).toContain("voxnix> ✅ dev is running (git, workspace).");
    expect(result.stdout).toContain("voxnix> Destroy dev?\n");
    expect(result.stdout).toContain("  [1] Yes, destroy  [2] No\n");
    expect(result.stdout).toMatch(
      /voxnix> 🗑 dev destroyed\.\nvoxnix> Its workspace is in your trash as dev-\S+ for 7 days\./,
    );
    expect(host.installed()).toEqual([]);
    expect(llm.requests()).toHaveLength(2); // one per free-text line; the press is the bot's
  });

  it("keeps the container when No is pressed", async () => {
    const { llm, host, chat } = await chatSetup();
    llm.script(createThenDestroy);
    const result = await chat("1001", "make me dev with git\ndestroy dev\n2\n");
    expect(result.stdout).toContain("voxnix> Kept dev.\n");
    expect(host.installed()).toEqual(["dev"]);
  });

  it("answers the bot's commands itself, as Telegram does, never asking the model", async () => {
    const { llm, host, chat } = await chatSetup();
    const result = await chat("1001", "/help\n/new dev git\n/list\n/audit\n/frobnicate\n");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("voxnix> Commands\n");
    expect(result.stdout).toContain("voxnix> /new — create a container");
    expect(result.stdout).toMatch(/voxnix> Your containers\n(?:.*\n)*?voxnix> .*dev.*running/);
    // /audit is an admin's command; 1001 is not one.
    expect(result.stdout).toContain("voxnix> I do not know that command. /help lists them.");
    expect(llm.requests()).toEqual([]);
    expect(host.installed()).toEqual(["dev"]);
  });

  it("keeps each button's number for good: a stale number presses nothing", async () => {
    const { host, chat } = await chatSetup();
    const result = await chat("1001", "/new aa git\n/new bb git\n/restart\n/destroy bb\n2\n1\n3\n");
    expect(result.stdout).toContain("  [1] aa  [2] bb\n");
    expect(result.stdout).toContain("  [3] Yes, destroy  [4] No\n");
    expect(result.stdout).toMatch(/voxnix> (?:Restarting bb…|bb is running)/);
    expect(result.stdout).toContain("voxnix> (that button is gone)\n");
    expect(result.stdout).toMatch(/voxnix> 🗑 bb destroyed/);
    expect(host.installed()).toEqual(["aa"]);
  });

  it("audits what it does as the CLI acting for the user", async () => {
    const { chat, env } = await chatSetup();
    await chat("1001", "/new dev git\n");
    const audit = await voxnix(["audit", "--json"], { env });
    expect(JSON.parse(audit.stdout)).toEqual([
      expect.objectContaining({
        actor: "cli:1001",
        action: "create",
        target: "dev",
        outcome: "ok",
      }),
    ]);
  });

  it("turns a stranger away as Telegram does, and relays the request to an admin's console", async () => {
    const { llm, chat } = await chatSetup();
    const stranger = await chat("6666", "hello\n1\n");
    expect(stranger.exitCode).toBe(0);
    expect(stranger.stdout).toContain("voxnix chat as 6666 (no access yet)");
    expect(stranger.stdout).toContain("voxnix> This is a private voxnix host.\n");
    expect(stranger.stdout).toContain("  [1] Request access\n");
    expect(stranger.stdout).toContain("voxnix> (Request sent to the admins.)\n");
    expect(llm.requests()).toEqual([]);

    const admin = await chat("1", "1\n");
    expect(admin.stdout).toMatch(/voxnix> .* asks to use voxnix\.\nvoxnix> Telegram id 6666\n/);
    expect(admin.stdout).toContain("  [1] Approve  [2] Deny\n");
    const granted = await chat("6666", "/list\n");
    expect(granted.stdout).toContain("voxnix chat as 6666 (user)");
    expect(granted.stdout).not.toContain("private voxnix host");
  });

  it("shows the user's notices from the outbox: an admin's act on their container", async () => {
    const { chat, env } = await chatSetup();
    await chat("1001", "/new dev git\n");
    const stop = await voxnix(["stop", "dev"], { env });
    expect(stop.exitCode).toBe(0);
    const owner = await chat("1001", "");
    expect(owner.stdout).toContain("voxnix> An admin (user 1) stopped your container dev.\n");
    // Taken from the outbox once shown: not shown again, nor left for the daemon.
    expect((await chat("1001", "")).stdout).not.toContain("stopped dev");
  });

  it("keeps a message's button numbers as its picker changes, and says so for one never shown", async () => {
    const { llm, chat } = await chatSetup();
    const result = await chat("1001", "/new dev\n1\n1\n42\n");
    // No tailscale: this host has no key for it.
    expect(result.stdout).toContain(
      "  [1] ▫️ devtools  [2] ▫️ fish  [3] ▫️ git  [4] Create dev\n" +
        "  [1] ✅ devtools  [2] ▫️ fish  [3] ▫️ git  [4] Create dev\n" +
        "  [1] ▫️ devtools  [2] ▫️ fish  [3] ▫️ git  [4] Create dev\n",
    );
    expect(result.stdout).toContain("voxnix> (no button 42)\n");
    expect(result.stdout).not.toContain("that button is gone");
    expect(llm.requests()).toEqual([]);
  });

  it("shows a link's target after its text", async () => {
    const { llm, chat } = await chatSetup();
    llm.script(() => ({ text: "See [the guide](https://example.org/guide) first." }));
    const result = await chat("1001", "how do I start?\n");
    expect(result.stdout).toContain("voxnix> See the guide (https://example.org/guide) first.\n");
  });

  it("keeps its logs out of the conversation, in the state directory", async () => {
    const { chat, env } = await chatSetup();
    const result = await chat("1001", "/new dev git\n");
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(`Logs: ${env.VOXNIX_STATE_DIR}/console.log`);
    expect(existsSync(join(env.VOXNIX_STATE_DIR as string, "console.log"))).toBe(true);
  });

  it("refuses to start without the model's settings, as serve does (exit 78)", async () => {
    const { env } = await chatSetup();
    const withoutModel = Object.fromEntries(
      Object.entries(env).filter(([name]) => name !== "LLM_BASE_URL"),
    );
    const result = await voxnix(["chat", "--as", "1001"], {
      env: withoutModel,
      cwd: tempDir(),
      input: "hello\n",
    });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain("LLM_API_KEY");
    expect(result.stdout).toBe("");
  });
});
