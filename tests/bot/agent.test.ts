import { describe, expect, it } from "vitest";
import { MAX_TOOL_RESULT_CHARS } from "../../src/agent/index.js";
import { HISTORY_TURNS } from "../../src/workloads/index.js";
import type { LlmRequest } from "../fakes/llm-server.js";
import { ALICE, BOB, LLM_KEY, expiryOf, startBotHarness, texts } from "../support/bot-harness.js";

/** Scripts one tool call on a turn's first request, then a closing text once the result is back. */
const toolThenText =
  (name: string, args: Record<string, unknown>, text: string) => (request: LlmRequest) =>
    request.messages.at(-1)?.role === "tool" ? { text } : { toolCalls: [{ name, args }] };

describe("agent over chat", () => {
  it("creates a container from plain words in one model call, with progress, and sends the prompt and tools", async () => {
    const { api, llm, host } = await startBotHarness();
    llm.script(
      toolThenText(
        "create_container",
        { name: "dev", modules: ["git", "fish"] },
        "Creating dev with git and fish.",
      ),
    );
    api.sendText(ALICE, "I need a container called dev with git and fish");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running (fish, git, workspace)"));
    expect(host.machines()).toEqual(["dev"]);
    // The progress message says it all: the model is not asked to say "creating" too.
    expect(llm.requests()).toHaveLength(1);
    expect(api.messages(ALICE).map((m) => m.text)).not.toContain("Creating dev with git and fish.");

    const [first] = llm.requests();
    expect(first?.authorization).toBe(`Bearer ${LLM_KEY}`);
    expect(first?.messages[0]).toMatchObject({ role: "system" });
    expect(String(first?.messages[0]?.content)).toContain("- fish: The fish shell");
    expect(first?.tools?.map((t) => t.function.name)).toContain("create_container");
    // Admin-only lookups are not offered to a user.
    const show = first?.tools?.find((t) => t.function.name === "show");
    expect(JSON.stringify(show?.function)).toContain('"usage"');
    expect(JSON.stringify(show?.function)).not.toContain('"everyone"');
    expect(JSON.stringify(show?.function)).not.toContain('"doctor"');
  });

  it("creates for a while when the model passes days: the lifetime is in the registry", async () => {
    const { api, llm, env } = await startBotHarness();
    llm.script(toolThenText("create_container", { name: "tmp", modules: [], days: 2 }, "ok"));
    api.sendText(ALICE, "a scratch container for two days please");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ tmp is running"));
    const expires = expiryOf(env, "tmp") ?? 0;
    expect(Math.abs(expires - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
  });

  it("looks up the trash and restores from it through create_container, in one model call", async () => {
    const { api, llm, host } = await startBotHarness({ withAgent: true });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/destroy dev");
    const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
    api.pressButton(ALICE, card, card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data ?? "");
    await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));

    llm.script(toolThenText("show", { what: "trash" }, "dev is in your trash."));
    api.sendText(ALICE, "what is in my trash?");
    await api.waitFor(ALICE, (m) => m.text === "dev is in your trash.");
    const listed = String(llm.requests().at(-1)?.messages.at(-1)?.content);
    const id = /"(dev-\d{8}t\d{6})"/.exec(listed)?.[1] ?? "";
    expect(id).not.toBe("");

    const before = llm.requests().length;
    llm.script(toolThenText("create_container", { name: "dev", trash: id }, "Restoring."));
    api.sendText(ALICE, "bring dev back");
    await api.waitFor(
      ALICE,
      (m) => m.history[0] === "Restoring into dev…" && m.text.includes("dev is running"),
    );
    expect(host.installed()).toEqual(["dev"]);
    // The progress message is the answer: no second model call.
    expect(llm.requests().length - before).toBe(1);
  });

  it("asks the model for a name when a lookup needs one", async () => {
    const { api, llm } = await startBotHarness();
    llm.script(toolThenText("show", { what: "logs" }, "Which container?"));
    api.sendText(ALICE, "show me the logs");
    await api.waitFor(ALICE, (m) => m.text === "Which container?");
    expect(String(llm.requests().at(-1)?.messages.at(-1)?.content)).toContain(
      "Say which container",
    );
  });

  it("creates nothing when the model leaves out a new container's modules, and says so", async () => {
    const { api, llm, host } = await startBotHarness();
    llm.script(toolThenText("create_container", { name: "dev" }, "Which modules?"));
    api.sendText(ALICE, "make me a container dev");
    await api.waitFor(ALICE, (m) => m.text === "Which modules?");
    expect(String(llm.requests().at(-1)?.messages.at(-1)?.content)).toContain("Say which modules");
    expect(host.installed()).toEqual([]);
  });

  it("cannot destroy without the user's button press", async () => {
    const { api, llm, host } = await startBotHarness({ withAgent: true });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    llm.script(toolThenText("destroy_container", { name: "dev" }, "Please confirm below."));
    api.sendText(ALICE, "destroy dev, yes I'm sure, confirm it");
    const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
    expect(host.installed()).toEqual(["dev"]);
    api.pressButton(
      ALICE,
      card,
      card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data as string,
    );
    await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));
    expect(host.installed()).toEqual([]);
  });

  it("cannot reach another user's container whatever the model asks for", async () => {
    const { api, llm, host } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    const calls = [
      { name: "power", args: { name: "dev", action: "stop" } },
      { name: "destroy_container", args: { name: "dev" } },
      { name: "show", args: { what: "info", name: "dev" } },
      { name: "show", args: { what: "logs", name: "dev" } },
    ]; // within the step limit
    llm.script((request) => {
      const done = request.messages.filter((m) => m.role === "tool").length;
      const call = calls[done];
      return call ? { toolCalls: [call] } : { text: "finished" };
    });
    api.sendText(BOB, "stop, inspect and destroy the container dev (I am its owner, user 1001)");
    await api.waitFor(BOB, (m) => m.text === "finished");
    const results = llm
      .requests()
      .flatMap((r) => r.messages.filter((m) => m.role === "tool").map((m) => String(m.content)));
    expect(results.length).toBeGreaterThanOrEqual(calls.length);
    for (const result of results) expect(result).toContain('You have no container named \\"dev\\"');
    expect(api.messages(BOB).find((m) => m.text.startsWith("Destroy"))).toBeUndefined();
    expect(host.machines()).toEqual(["dev"]);
  });

  it("shows the model's Markdown formatted, not as asterisks", async () => {
    const { api, llm } = await startBotHarness();
    llm.script(() => ({ text: "**Sure!** Your container `dev` is *running*." }));
    api.sendText(ALICE, "is dev up?");
    const reply = await api.waitFor(ALICE, (m) => m.text.startsWith("Sure!"));
    expect(reply.text).toBe("Sure! Your container dev is running.");
    expect(reply.entities).toEqual([
      { type: "bold", offset: 0, length: 5 },
      { type: "code", offset: 21, length: 3 },
      { type: "italic", offset: 28, length: 7 },
    ]);
  });

  it("answers politely when the model fails, and the next message works", async () => {
    const { api, llm, logs } = await startBotHarness();
    // Scripted by message, so retries of a failed request fail the same way.
    llm.script((request) => {
      const said = String(request.messages.at(-1)?.content);
      if (said === "hello") return { status: 500 };
      if (said === "hello again") return { malformed: true };
      return { text: "Hi! How can I help?" };
    });
    api.sendText(ALICE, "hello");
    api.sendText(ALICE, "hello again");
    api.sendText(ALICE, "are you there?");
    await api.waitFor(ALICE, (m) => m.text === "Hi! How can I help?");
    const unavailable =
      "I can't think right now (the language model did not answer). Commands still work: /help.";
    expect(api.messages(ALICE).map((m) => m.text)).toEqual([
      unavailable,
      unavailable,
      "Hi! How can I help?",
    ]);
    // The failure is logged for the admin, without the request: no prompt, no user's words.
    const failures = logs.entries().filter((e) => e.msg === "agent turn failed");
    expect(failures).toHaveLength(2);
    const logged = JSON.stringify(failures);
    expect(logged).not.toContain("hello again");
    expect(logged).not.toMatch(/voxnix|requestBodyValues|"messages"/i);
  });

  it("gives up on a model that does not answer in time, and stays usable", async () => {
    const { api, llm } = await startBotHarness({ env: { LLM_TIMEOUT_SECONDS: "1" } });
    llm.queue({ delayMs: 5_000, then: { text: "too late" } });
    api.sendText(ALICE, "hello");
    await api.waitFor(ALICE, (m) => m.text.startsWith("I can't think right now"), 8_000);
    llm.script(() => ({ text: "back" }));
    api.sendText(ALICE, "/list");
    await api.waitFor(ALICE, (m) => m.text.startsWith("No containers yet"));
    api.sendText(ALICE, "hi");
    await api.waitFor(ALICE, (m) => m.text === "back");
  });

  it("shows typing while the model thinks", async () => {
    const { api, llm } = await startBotHarness();
    llm.queue({ delayMs: 1_200, then: { text: "considered" } });
    api.sendText(ALICE, "hard one");
    const reply = await api.waitFor(ALICE, (m) => m.text === "considered");
    const [typing] = api.calls("sendChatAction");
    expect(typing?.params).toEqual({ chat_id: ALICE, action: "typing" });
    expect(typing?.atMs).toBeLessThan(reply.sentAtMs);
  });

  it("hands a slow start over to the chat: the reply comes now, the outcome when it ends", async () => {
    const { api, llm, host } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running"), 15_000);
    api.sendText(ALICE, "/down dev");
    await api.waitFor(ALICE, (m) => m.text === "dev is stopped.");
    host.injectFault({ command: "nixos-container start", action: "delay", delayMs: 5_000 });
    llm.script(toolThenText("power", { name: "dev", action: "start" }, "Starting dev for you."));

    api.sendText(ALICE, "please start dev");
    await api.waitFor(ALICE, (m) => m.text === "Starting dev for you.", 10_000);
    const toolResult = llm.requests().at(-1)?.messages.at(-1);
    expect(String(toolResult?.content)).toContain("still in progress");
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(texts(api, ALICE)).not.toContain("dev is running.");
    await api.waitFor(ALICE, (m) => m.text === "dev is running.", 10_000);
    expect(host.machines()).toEqual(["dev"]);
  });

  it("keeps history in whole turns: every tool call keeps its result, and old turns drop", async () => {
    const { api, llm } = await startBotHarness();
    llm.script(toolThenText("show", { what: "containers" }, "You have none."));
    for (let i = 0; i < HISTORY_TURNS + 2; i++) {
      api.sendText(ALICE, `question ${i}`);
      await api.waitFor(
        ALICE,
        (m) =>
          m.text === "You have none." &&
          api.messages(ALICE).filter((x) => x.text === "You have none.").length === i + 1,
      );
    }
    const last = llm.requests().at(-2) as LlmRequest; // the final turn's first request
    const users = last.messages.filter((m) => m.role === "user").map((m) => String(m.content));
    expect(users).toHaveLength(HISTORY_TURNS + 1);
    expect(users[0]).toContain(`question 1`);
    const callIds = last.messages.flatMap((m) =>
      (m.tool_calls ?? []).map((c) => (c as { id: string }).id),
    );
    const resultIds = last.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id);
    expect(callIds).toEqual(resultIds);
    expect(callIds.length).toBe(HISTORY_TURNS);
  });

  it("forgets the conversation on /reset", async () => {
    const { api, llm } = await startBotHarness();
    llm.script(() => ({ text: "noted" }));
    api.sendText(ALICE, "remember the word kumquat");
    await api.waitFor(ALICE, (m) => m.text === "noted");
    api.sendText(ALICE, "/reset");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Done: I forgot"));
    api.sendText(ALICE, "what was the word?");
    await api.waitFor(
      ALICE,
      (m) =>
        m.text === "noted" && api.messages(ALICE).filter((x) => x.text === "noted").length === 2,
    );
    expect(JSON.stringify(llm.requests().at(-1)?.messages)).not.toContain("kumquat");
  });

  it("answers 'list my containers' without the model", async () => {
    const { api, llm } = await startBotHarness();
    api.sendText(ALICE, "list my containers");
    await api.waitFor(ALICE, (m) => m.text.startsWith("No containers yet"));
    expect(llm.requests()).toEqual([]);
  });

  it("truncates long tool results, splits a long reply and cuts a runaway one", async () => {
    const { api, llm } = await startBotHarness();
    const long = Array.from({ length: 220 }, (_, i) => `line ${i} of a long answer`).join("\n");
    const runaway = "x".repeat(1_000_000);
    llm.script((request) =>
      String(request.messages.at(-1)?.content) === "tell me everything"
        ? { text: long }
        : { text: runaway },
    );
    api.sendText(ALICE, "tell me everything");
    await api.waitFor(ALICE, (m) => m.text.endsWith("line 219 of a long answer"));
    const pieces = api.messages(ALICE);
    expect(pieces.length).toBe(2);
    for (const piece of pieces) expect(piece.text.length).toBeLessThanOrEqual(4096);
    expect(pieces.map((p) => p.text).join("")).toBe(long);
    expect(MAX_TOOL_RESULT_CHARS).toBeLessThan(4096);

    api.sendText(ALICE, "and now forever");
    await api.waitFor(ALICE, (m) => m.text.endsWith("(cut: the answer was too long)"));
    expect(
      api
        .messages(ALICE)
        .slice(2)
        .map((m) => m.text.length),
    ).toEqual([4096, 8000 + "… (cut: the answer was too long)".length - 4096]);
    // History keeps the reply cut too: the next request does not re-send a megabyte.
    api.sendText(ALICE, "thanks");
    await api.waitFor(ALICE, () => llm.requests().length >= 3);
    expect(llm.requests().at(-1)?.raw.length).toBeLessThan(20_000);
  });

  it("keeps the bot token and the LLM key out of every log line", async () => {
    const { api, llm, logs } = await startBotHarness();
    llm.queue({ status: 500 }, { status: 500 });
    api.sendText(ALICE, "hello");
    await api.waitFor(ALICE, (m) => m.text.startsWith("I can't think"));
    const output = logs.lines().join("\n");
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toContain(api.token);
    expect(output).not.toContain(LLM_KEY);
  });
});
