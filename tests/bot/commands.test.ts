import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import {
  ADMIN,
  ALICE,
  BOB,
  STRANGER,
  expiryOf,
  startBotHarness,
  texts,
  type BotHarness,
} from "../support/bot-harness.js";

/** The actions in the audit trail, oldest first. */
function auditedActions(env: Record<string, string>): string[] {
  const store = openStore(join(env.VOXNIX_STATE_DIR as string, "voxnix.sqlite"));
  try {
    return store.audit
      .recent({ limit: 100 })
      .map((e) => e.action)
      .reverse();
  } finally {
    store.close();
  }
}

/** Alice's container dev, and the card that asks her to confirm its destroy. */
async function destroyCard(api: BotHarness["api"]) {
  api.sendText(ALICE, "/new dev git");
  await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
  api.sendText(ALICE, "/destroy dev");
  const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
  return { card, yes: card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data as string };
}

describe("bot access", () => {
  it("refuses a stranger once with their id, calling neither the LLM nor the host", async () => {
    const { api, llm, host } = await startBotHarness();
    const startupCalls = host.calls().length; // start-up reconciliation
    api.sendText(STRANGER, "give me a container");
    const refusal = await api.waitFor(STRANGER, (m) => m.text.includes("private voxnix host"));
    expect(refusal.text).toBe(`This is a private voxnix host.\nYour Telegram id is ${STRANGER}.`);
    expect(refusal.reply_markup?.inline_keyboard?.[0]?.[0]?.text).toBe("Request access");
    api.sendText(STRANGER, "/list");
    api.sendText(STRANGER, "hello?");
    api.sendText(ALICE, "/help"); // a later update, so the stranger's are surely processed
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(api.messages(STRANGER)).toHaveLength(1);
    expect(llm.requests()).toEqual([]);
    expect(host.calls().slice(startupCalls)).toEqual([]);
  });

  it("forwards an access request to the admin, whose approval lets the user in", async () => {
    const { api } = await startBotHarness();
    api.sendText(STRANGER, "hi");
    const refusal = await api.waitFor(STRANGER, (m) => m.text.includes("private"));
    api.pressButton(STRANGER, refusal, "access:request");
    const card = await api.waitFor(ADMIN, (m) => m.text.includes("asks to use voxnix"));
    expect(card.text).toContain(`Telegram id ${STRANGER}`);
    const approve = card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data as string;
    // Another user pressing the admin's button (forged data) changes nothing.
    api.pressButton(BOB, card, approve);
    api.pressButton(ADMIN, card, approve);
    await api.waitFor(STRANGER, (m) => m.text.includes("You now have access"));
    await api.waitFor(
      ADMIN,
      (m) => m.text === `✅ Approved ${STRANGER}.` && m.reply_markup === undefined,
    );
    api.sendText(STRANGER, "/list");
    await api.waitFor(STRANGER, (m) => m.text.startsWith("No containers yet"));
  });

  it("ignores group chats unless enabled, and then acts as the sender", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/list", { chatId: -100, chatType: "group" });
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"));
    expect(api.messages(-100)).toEqual([]);
  });
});

describe("bot commands", () => {
  it("leaves a destroy card's buttons to its owner when someone else presses them", async () => {
    const { api, host } = await startBotHarness();
    const { card, yes } = await destroyCard(api);
    // Bob, in the same group, presses Yes: refused, and the card is as it was.
    const pressed = api.pressButton(BOB, card, yes);
    await expect
      .poll(
        () => api.calls("answerCallbackQuery").some((c) => c.params.callback_query_id === pressed),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data).toBe(yes);
    expect(host.installed()).toEqual(["dev"]);
    api.pressButton(ALICE, card, yes);
    await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));
    expect(host.installed()).toEqual([]);
    // Bob's press was handled before Alice's (one chat, in order): it never took the buttons.
    expect(api.calls("editMessageReplyMarkup")).toEqual([]);
  });

  it("logs a refusal at info, not as a failed update", async () => {
    const { api, logs } = await startBotHarness();
    api.sendText(ALICE, "/down ghost");
    await api.waitFor(ALICE, (m) => m.text.includes("ghost"));
    const entries = logs.entries();
    expect(entries.filter((e) => e.msg === "update failed")).toEqual([]);
    expect(entries.filter((e) => Number(e.level) >= 50)).toEqual([]);
  });

  it.each([
    ["/new with 4,096 characters of unknown modules", `/new dev ${"nosuchmodule ".repeat(315)}`],
    ["/restore with a 4,080-character id", `/restore ${"t".repeat(4080)} web`],
  ])("answers %s within Telegram's limit, and the user sees the outcome", async (_, command) => {
    const { api, logs } = await startBotHarness();
    api.sendText(ALICE, command);
    // The emulator refuses any text past 4,096 characters: the answer arriving is the check.
    const answer = await api.waitFor(ALICE, (m) => /^(❌|Unknown|There is nothing)/.test(m.text));
    expect(answer.text.length).toBeLessThanOrEqual(4096);
    expect(logs.lines().join("\n")).not.toMatch(/message is too long/);
  });

  it("creates a container with one progress message that ends with how to connect", async () => {
    const { api, host } = await startBotHarness({ settings: { buildDelayMs: 2_000 } });
    api.sendText(ALICE, "/new dev git tailscale");
    const done = await api.waitFor(ALICE, (m) => m.text.startsWith("✅"), 15_000);
    expect(done.text).toContain("dev is running (git, tailscale, workspace)");
    expect(done.text).toContain("Tailscale: joining your tailnet; /info dev shows how to connect.");
    expect(done.history[0]).toBe("Creating dev…");
    expect(done.history.some((h) => h.includes("… building with Nix"))).toBe(true);
    expect(api.messages(ALICE)).toHaveLength(1); // edited, not re-sent
    expect(api.calls("sendChatAction").length).toBeGreaterThan(0);
    expect(host.machines()).toEqual(["dev"]);
  });

  it("answers a create that cannot be admitted with the reason, and opens no progress message", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(BOB, "/new dev git");
    await api.waitFor(BOB, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/new dev git");
    const refused = await api.waitFor(ALICE, (m) => m.text.includes("taken"));
    expect(refused.text).toBe('The name "dev" is taken on this host. Try "dev-2".');
    expect(refused.history).toHaveLength(1); // an answer, not a progress message that failed
    expect(api.messages(ALICE)).toHaveLength(1);
    expect(host.installed()).toEqual(["dev"]);
  });

  it("gives the name back when the progress message cannot be sent", async () => {
    const { api, host } = await startBotHarness();
    api.fail("sendMessage", 400, { times: 1 });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Something went wrong"));
    expect(host.installed()).toEqual([]);
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    expect(host.installed()).toEqual(["dev"]);
  });

  it("keeps the module picker when its name was taken meanwhile, answering the press with why", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/new web");
    const picker = await api.waitFor(ALICE, (m) => m.text.startsWith("Which modules for web?"));
    api.sendText(BOB, "/new web git");
    await api.waitFor(BOB, (m) => m.text.startsWith("✅"));
    api.pressButton(ALICE, picker, "k:web:");
    await api.waitFor(ALICE, () => api.calls("answerCallbackQuery").length === 1);
    expect(api.calls("answerCallbackQuery")[0]?.params).toMatchObject({
      text: 'The name "web" is taken on this host. Try "web-2".',
    });
    expect(api.messages(ALICE).find((m) => m.text.startsWith("Creating"))).toBeUndefined();
    expect(api.messages(ALICE)[0]?.reply_markup).toBeDefined();
    expect(host.installed()).toEqual(["web"]);
  });

  it("creates for a while with /new NAME modules for 3d, the lifetime kept and shown in /info", async () => {
    const { api, env } = await startBotHarness();
    api.sendText(ALICE, "/new dev git for 3d");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev is running (git, workspace)"));
    api.sendText(ALICE, "/new web for 3d");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Name its modules too"));
    api.sendText(ALICE, "/new web git for ever");
    await api.waitFor(ALICE, (m) => m.text.startsWith("How long?"));
    const expires = expiryOf(env, "dev") ?? 0;
    expect(Math.abs(expires - (Date.now() + 3 * 86_400_000))).toBeLessThan(60_000);
    // Shown where people look, not only in /idle.
    api.sendText(ALICE, "/info dev");
    const info = await api.waitFor(ALICE, (m) => m.text.includes("Modules: git"));
    expect(info.text).toMatch(/\nGoes to the trash in 2d \d+h|\nGoes to the trash in 3d/);
  });

  it("answers /list while a build is running in the same chat", async () => {
    const { api } = await startBotHarness({ settings: { buildDelayMs: 3_000 } });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.includes("… building"));
    api.sendText(ALICE, "/list");
    const list = await api.waitFor(ALICE, (m) => m.text.startsWith("Your containers"));
    expect(list.text).toContain("dev creating");
    expect(api.messages(ALICE).find((m) => m.text.startsWith("✅"))).toBeUndefined();
  });

  it("destroys only after the owner presses Yes, once", async () => {
    const { api, host } = await startBotHarness();
    const { card, yes } = await destroyCard(api);
    expect(host.installed()).toEqual(["dev"]);
    api.pressButton(ALICE, card, yes);
    const destroyed = await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));
    // Yes and No are gone; only the Undo is left (tests/bot/undo.test.ts).
    expect(destroyed.reply_markup?.inline_keyboard?.flat().map((b) => b.text)).toEqual(["↩️ Undo"]);
    expect(host.installed()).toEqual([]);
    // A replayed press does nothing but say so.
    const answered = api.calls("answerCallbackQuery").length;
    api.pressButton(ALICE, card, yes);
    await api.waitFor(ALICE, () => api.calls("answerCallbackQuery").length > answered);
    expect(api.calls("answerCallbackQuery").at(-1)?.params).toMatchObject({
      text: "That was already done.",
      show_alert: true,
    });
  });

  it("gives another user no way to reach a container: 0 successes by command, picker or forged callback", async () => {
    const { api, host } = await startBotHarness();
    const { card, yes } = await destroyCard(api);
    const before = host.calls().length;

    for (const command of [
      "/info dev",
      "/up dev",
      "/down dev",
      "/restart dev",
      "/logs dev",
      "/destroy dev",
    ])
      api.sendText(BOB, command);
    api.sendText(BOB, "/list");
    await api.waitFor(BOB, (m) => m.text.startsWith("No containers yet"));
    const bobsLast = api.messages(BOB).at(-1) ?? {
      message_id: 1,
      chat_id: BOB,
      text: "",
      history: [],
      sentAtMs: 0,
      changedAtMs: 0,
    };
    api.pressButton(BOB, bobsLast, yes); // Alice's confirmation, forged by Bob
    api.pressButton(BOB, bobsLast, "p:down:dev");
    api.pressButton(BOB, bobsLast, "k:dev:git");
    api.sendText(BOB, "/help");
    await api.waitFor(BOB, (m) => m.text.startsWith("Commands"));
    // Every press answered: each was handled, none is still on its way to the host.
    await api.waitFor(BOB, () => api.calls("answerCallbackQuery").length === 3);

    const refusals = texts(api, BOB).filter((t) => t.includes('You have no container named "dev"'));
    expect(refusals.length).toBeGreaterThanOrEqual(6);
    expect(host.machines()).toEqual(["dev"]);
    expect(host.installed()).toEqual(["dev"]);
    expect(
      host
        .calls()
        .slice(before)
        .filter((c) => c.tool !== "machinectl" && c.tool !== "zfs"),
    ).toEqual([]);
    // Alice's card still works for Alice.
    api.pressButton(ALICE, card, yes);
    await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));
  });

  it("offers a picker when a command needs a container and none was named", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/info");
    const picker = await api.waitFor(ALICE, (m) => m.text === "Which container? (/info)");
    expect(picker.reply_markup?.inline_keyboard?.[0]?.[0]).toEqual({
      text: "dev",
      callback_data: "p:info:dev",
    });
    api.pressButton(ALICE, picker, "p:info:dev");
    const info = await api.waitFor(ALICE, (m) => m.text.includes("Modules: git, workspace"));
    expect(info.entities?.[0]).toMatchObject({ type: "bold" });
  });

  it("stops and starts with /stop NAME and /start NAME, as the CLI's verbs say; a bare /start welcomes", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/stop dev");
    await api.waitFor(ALICE, (m) => m.text === "dev is stopped.");
    expect(host.machines()).toEqual([]);
    api.sendText(ALICE, "/start dev");
    await api.waitFor(ALICE, (m) => m.text === "dev is running.");
    await expect.poll(() => host.machines()).toEqual(["dev"]);
    api.sendText(ALICE, "/start");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Hi! I run private dev containers"));
    api.sendText(ALICE, "/stop");
    await api.waitFor(ALICE, (m) => m.text === "Which container? (/down)");
  });

  it("names the owner in an admin's /info of someone else's container, not in the owner's", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ADMIN, "/info dev");
    const admins = await api.waitFor(ADMIN, (m) => m.text.includes("Modules: git"));
    expect(admins.text).toContain(`\nOwner: user ${ALICE}\n`);
    api.sendText(ALICE, "/info dev");
    const own = await api.waitFor(ALICE, (m) => m.text.includes("Modules: git"));
    expect(own.text).not.toContain("Owner:");
  });

  it("lets a user pick modules with buttons for /new NAME", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/new web");
    const picker = await api.waitFor(ALICE, (m) => m.text.startsWith("Which modules for web?"));
    api.pressButton(ALICE, picker, "m:web:fish");
    await api.waitFor(ALICE, () => api.calls("editMessageReplyMarkup").length === 1);
    api.pressButton(ALICE, picker, "k:web:fish");
    await api.waitFor(ALICE, (m) => m.text.includes("web is running (fish, workspace)"));
    expect(host.machines()).toEqual(["web"]);
  });

  it("refuses a name that cannot be created before offering any picker", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(BOB, "/new dev git");
    await api.waitFor(BOB, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/new dev");
    const taken = await api.waitFor(ALICE, (m) => m.text.includes("taken"));
    expect(taken.reply_markup).toBeUndefined();
    api.sendText(ALICE, "/new Dev");
    const capital = await api.waitFor(ALICE, (m) => m.text.includes("lowercase"));
    expect(capital.text).toBe('Container names are lowercase: try "dev".');
    api.sendText(ALICE, `/new ${"a".repeat(60)}`);
    const long = await api.waitFor(ALICE, (m) => m.text.includes("1 to 11 characters"));
    expect(capital.reply_markup).toBeUndefined();
    expect(long.reply_markup).toBeUndefined();
    // Nothing was made on the host for Alice: no dataset, no build.
    expect(host.commandLines().filter((line) => /zfs create .*1001/.test(line))).toEqual([]);
  });

  it("shows in /usage the running share of the compute quota and what each container used", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    host.setUnitUsage("container@dev.service", {
      CPUUsageNSec: 192_000_000_000,
      MemoryCurrent: 512 * 1024 ** 2,
      MemoryPeak: 1536 * 1024 ** 2,
    });
    api.sendText(ALICE, "/usage");
    const usage = await api.waitFor(ALICE, (m) => m.text.includes("Running:"));
    expect(usage.text).toContain("Running: 1 of 8 CPUs, 2G of 16G memory");
    expect(usage.text).toMatch(/• dev \S+, up [\dmhs ]+, CPU 3m 12s, memory 512M \(peak 1.5G\)/);
  });

  it("mutes and unmutes what it says unasked with /notify, audited", async () => {
    const { api, env } = await startBotHarness();
    api.sendText(ALICE, "/notify off");
    await api.waitFor(ALICE, (m) => m.text.startsWith("I tell you nothing unasked."));
    api.sendText(ALICE, "/notify");
    await api.waitFor(ALICE, (m) => m.text.startsWith("I tell you nothing") && m.message_id > 1);
    api.sendText(ALICE, "/notify on");
    await api.waitFor(ALICE, (m) => m.text.startsWith("I tell you when"));
    expect(api.messages(ALICE).map((m) => m.text.slice(0, 20))).toEqual([
      "I tell you nothing u",
      "I tell you nothing u",
      "I tell you when a co",
    ]);
    expect(auditedActions(env)).toEqual(["notify-off", "notify-on"]);
  });

  it("answers an admin's commands only in a private chat, never in a group everyone reads", async () => {
    const { api } = await startBotHarness({ env: { VOXNIX_ALLOW_GROUPS: "true" } });
    api.sendText(ADMIN, "/audit", { chatId: -100, chatType: "group" });
    api.sendText(ADMIN, "/all", { chatId: -100, chatType: "group" });
    api.sendText(ADMIN, "/list", { chatId: -100, chatType: "group" });
    await api.waitFor(-100, (m) => m.text.startsWith("No containers yet"));
    expect(api.messages(-100).map((m) => m.text.split("\n")[0])).toEqual([
      "I do not know that command. /help lists them.",
      "I do not know that command. /help lists them.",
      expect.stringMatching(/^No containers yet/),
    ]);
  });

  it("answers an idle warning's buttons for the owner only, and pins by command, audited", async () => {
    const { api, host, env } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    const created = await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    const answered = () => api.calls("answerCallbackQuery").map((c) => c.params.text);
    api.pressButton(ALICE, created, "i:keep:dev");
    await api.waitFor(ALICE, () => answered().length === 1);
    expect(answered()[0]).toBe("dev stays up; it is stopped only after 7d without use from now.");
    api.pressButton(BOB, created, "i:stop:dev");
    await api.waitFor(ALICE, () => answered().length === 2);
    expect(host.machines()).toEqual(["dev"]);
    api.sendText(ALICE, "/pin dev");
    await api.waitFor(
      ALICE,
      (m) => m.text === "dev is pinned: it is never stopped for being idle.",
    );
    api.pressButton(ALICE, created, "i:stop:dev");
    await api.waitFor(ALICE, (m) => m.text === "dev is stopped.");
    expect(host.machines()).toEqual([]);
    expect(auditedActions(env)).toContain("pin");
  });

  it("shows and changes a container's idle period with /idle, refusing what it cannot read", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ALICE, "/idle dev");
    await api.waitFor(ALICE, (m) =>
      m.text.startsWith("dev is stopped after 7d without use (the host's default)"),
    );
    api.sendText(ALICE, "/idle dev 12h");
    await api.waitFor(ALICE, (m) => m.text.startsWith("dev is stopped after 12h without use;"));
    api.sendText(ALICE, "/idle dev soon");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Usage: /idle NAME shows"));
    api.sendText(ALICE, "/idle dev 5m");
    await api.waitFor(ALICE, (m) => m.text.includes("between 1h and 365d, or never"));
    api.sendText(BOB, "/idle dev never");
    await api.waitFor(BOB, (m) => m.text.includes('no container named "dev"'));
    api.sendText(ALICE, "/idle dev never");
    await api.waitFor(ALICE, (m) => m.text.startsWith("dev is never stopped for being idle;"));
  });

  it("shows admins everyone's usage with /usage all, only in a private chat", async () => {
    const { api } = await startBotHarness({ env: { VOXNIX_ALLOW_GROUPS: "true" } });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(ADMIN, "/usage all");
    const all = await api.waitFor(ADMIN, (m) => m.text.includes("user 1001:"));
    expect(all.text).toMatch(/^• user 1001: 1 of 1 running \(1 of 8 CPUs, 2G of 16G memory\);/m);
    api.sendText(ALICE, "/usage all");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Only an admin"));
    api.sendText(ADMIN, "/usage all", { chatId: -100, chatType: "group" });
    const group = await api.waitFor(-100, (m) => m.text.startsWith("Only an admin"));
    expect(group.text).not.toContain("1001");
  });

  it("shows admins the audit trail of a container or a user, and users nothing of it", async () => {
    const { api } = await startBotHarness();
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    api.sendText(BOB, "/new dev git");
    await api.waitFor(BOB, (m) => m.text.includes("taken"));
    api.sendText(ADMIN, "/audit dev");
    const trail = await api.waitFor(ADMIN, (m) => m.text.startsWith("Audit of dev"));
    expect(trail.text).toMatch(/^\d\d-\d\d \d\d:\d\d tg:1001 create dev ✓$/m);
    expect(trail.text).toMatch(/ tg:2002 create dev ✗ refused reason=name-taken$/m);
    api.sendText(ADMIN, "/audit 2002");
    const bob = await api.waitFor(ADMIN, (m) => m.text.startsWith("Audit of 2002"));
    expect(bob.text).not.toContain("tg:1001");
    api.sendText(ALICE, "/audit");
    const refused = await api.waitFor(ALICE, (m) => m.text.startsWith("I do not know"));
    expect(refused.text).not.toContain("tg:");
  });

  it("still answers when the Bot API throttles it (429 with retry_after)", async () => {
    const { api } = await startBotHarness();
    api.fail("sendMessage", 429, { retryAfter: 1, times: 1 });
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"), 10_000);
    expect(api.calls("sendMessage").length).toBe(2);
  });

  it("still answers when the Bot API fails with 5xx, while polling and while replying", async () => {
    const { api } = await startBotHarness();
    api.fail("getUpdates", 502, { times: 2 });
    api.fail("sendMessage", 500, { times: 1 });
    api.sendText(ALICE, "/help");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Commands"), 15_000);
    expect(api.messages(ALICE)).toHaveLength(1); // answered once, not once per attempt
    api.sendText(ALICE, "/list");
    await api.waitFor(ALICE, (m) => m.text.startsWith("No containers yet"));
  });
});
