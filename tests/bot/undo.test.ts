// Safe destroy (issue 15): the question names work that was never pushed, the outcome carries an
// Undo while the trash keeps the workspace, and /restore without arguments offers the trash.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commit, git, hasGit } from "../support/git.js";
import { voxnix } from "../support/voxnix-process.js";
import { ALICE, BOB, startBotHarness, texts, type BotHarness } from "../support/bot-harness.js";

/** Alice's dev, destroyed by her press; the outcome card with its Undo. */
async function destroyed(api: BotHarness["api"]) {
  api.sendText(ALICE, "/new dev git");
  await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
  api.sendText(ALICE, "/destroy dev");
  const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
  api.pressButton(
    ALICE,
    card,
    card.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data as string,
  );
  const outcome = await api.waitFor(ALICE, (m) => m.text.startsWith("🗑 dev destroyed"));
  const undo = outcome.reply_markup?.inline_keyboard?.[0]?.[0];
  return { outcome, undo: undo as { text: string; callback_data: string } };
}

/** The progress message of a restore, once it ended with the container running. */
const restoredRunning = (m: { history: readonly string[]; text: string }) =>
  m.history[0] === "Restoring into dev…" && m.text.includes("dev is running");

const answers = (api: BotHarness["api"]) =>
  api.calls("answerCallbackQuery").map((c) => c.params.text as string | undefined);

describe("undo after destroy", () => {
  it("brings the workspace back under its name with one press, once", async () => {
    const { api, host } = await startBotHarness();
    const { outcome, undo } = await destroyed(api);
    expect(undo.text).toBe("↩️ Undo");
    expect(undo.callback_data).toMatch(/^r:dev-\d{8}t\d{6}$/);
    api.pressButton(ALICE, outcome, undo.callback_data);
    const back = await api.waitFor(ALICE, restoredRunning);
    expect(back.text).toContain("dev is running (git, workspace)");
    expect(host.installed()).toEqual(["dev"]);
    expect(host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
    // The card lost its button; a replayed press finds nothing to restore.
    expect(
      api.messages(ALICE).find((m) => m.message_id === outcome.message_id)?.reply_markup,
    ).toBeUndefined();
    const pressed = answers(api).length;
    api.pressButton(ALICE, outcome, undo.callback_data);
    await api.waitFor(ALICE, () => answers(api).length > pressed);
    expect(answers(api).at(-1)).toMatch(/nothing in your trash with id "dev-/);
    expect(host.installed()).toEqual(["dev"]);
  });

  it("answers why when the name was taken meanwhile, and keeps the Undo for later", async () => {
    const { api, host } = await startBotHarness();
    const { outcome, undo } = await destroyed(api);
    api.sendText(BOB, "/new dev");
    await api.waitFor(BOB, (m) => m.text.startsWith("Which modules"));
    api.sendText(BOB, "/new dev git");
    await api.waitFor(BOB, (m) => m.text.startsWith("✅"));
    api.pressButton(ALICE, outcome, undo.callback_data);
    await api.waitFor(ALICE, () => answers(api).some((t) => t?.includes("taken")));
    expect(answers(api).at(-1)).toBe('The name "dev" is taken on this host. Try "dev-2".');
    expect(
      api.messages(ALICE).find((m) => m.message_id === outcome.message_id)?.reply_markup,
    ).toBeDefined();
    expect(host.datasets().filter((d) => d.includes("/1001/trash/"))).toHaveLength(1);
    // Not a dead end: one press brings the same workspace back as dev-2.
    const another = await api.waitFor(ALICE, (m) => m.text.includes("under another name"));
    const restoreAs = another.reply_markup?.inline_keyboard?.[0]?.[0];
    expect(restoreAs?.text).toBe("Restore as dev-2");
    api.pressButton(BOB, another, restoreAs?.callback_data as string);
    api.pressButton(ALICE, another, restoreAs?.callback_data as string);
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev-2 is running"));
    expect(host.datasets()).toContain("tank/users/1001/containers/dev-2");
    expect(host.datasets().filter((d) => d.includes("/1001/trash/"))).toHaveLength(0);
    expect(texts(api, BOB).some((t) => t.includes("dev-2"))).toBe(false);
  });

  it("says the workspace is gone once the trash was purged", async () => {
    const { api, host, env } = await startBotHarness();
    const { outcome, undo } = await destroyed(api);
    const purge = await voxnix(["trash", "purge", "--all"], { env });
    expect(purge.exitCode).toBe(0);
    api.pressButton(ALICE, outcome, undo.callback_data);
    await api.waitFor(ALICE, () => answers(api).some((t) => t?.includes("nothing in your trash")));
    expect(host.installed()).toEqual([]);
  });

  it("keeps the workspace in trash, and the daemon up, when the restore's progress cannot be sent", async () => {
    const { api, host } = await startBotHarness();
    const { outcome, undo } = await destroyed(api);
    const pressed = answers(api).length;
    api.fail("sendMessage", 400, { times: 1 });
    api.pressButton(ALICE, outcome, undo.callback_data);
    await api.waitFor(ALICE, () => answers(api).length > pressed);
    api.sendText(ALICE, "/trash");
    const trash = await api.waitFor(ALICE, (m) => m.text.startsWith("Trash"));
    expect(trash.text).toContain("(dev, kept until");
    expect(host.installed()).toEqual([]);
  });

  it("lets another user's press of the Undo do nothing", async () => {
    const { api, host } = await startBotHarness();
    const { outcome, undo } = await destroyed(api);
    const pressed = answers(api).length;
    api.pressButton(BOB, outcome, undo.callback_data);
    await api.waitFor(ALICE, () => answers(api).length > pressed);
    expect(answers(api).at(-1)).toMatch(/nothing in your trash/);
    expect(host.installed()).toEqual([]);
  });
});

describe("/restore without arguments", () => {
  it("offers the trash as buttons, each restoring under its old name", async () => {
    const { api, host } = await startBotHarness();
    api.sendText(ALICE, "/restore");
    await api.waitFor(ALICE, (m) => m.text === "Your trash is empty.");
    await destroyed(api);
    api.sendText(ALICE, "/restore");
    const picker = await api.waitFor(ALICE, (m) => m.text.startsWith("Which workspace"));
    const [button] = picker.reply_markup?.inline_keyboard?.flat() ?? [];
    expect(button?.text).toMatch(/^dev \(\d\d-\d\d \d\d:\d\d\)$/);
    api.pressButton(ALICE, picker, (button as { callback_data: string }).callback_data);
    await api.waitFor(ALICE, restoredRunning);
    expect(host.installed()).toEqual(["dev"]);
  });

  it("restores by id alone under the old name", async () => {
    const { api, host } = await startBotHarness();
    const { undo } = await destroyed(api);
    api.sendText(ALICE, `/restore ${undo.callback_data.slice(2)}`);
    await api.waitFor(ALICE, restoredRunning);
    expect(host.installed()).toEqual(["dev"]);
  });
});

describe.skipIf(!hasGit)("the destroy question (needs git to make a repository)", () => {
  it("names a repository's unpushed work in the workspace, read without running git there", async () => {
    const { api, env } = await startBotHarness({ env: { VOXNIX_STORAGE: "dir" } });
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
    const repo = join(
      env.VOXNIX_STATE_DIR as string,
      "workspaces",
      String(ALICE),
      "containers",
      "dev",
      "app",
    );
    mkdirSync(repo);
    git(repo, "init", "-q");
    commit(repo, "a");

    api.sendText(ALICE, "/destroy dev");
    const card = await api.waitFor(ALICE, (m) => m.text.startsWith("Destroy dev?"));
    expect(card.text).toBe(
      [
        "Destroy dev?",
        "⚠️ Work that exists nowhere else:",
        "• app: no remote; main was never pushed",
        "Its /workspace stays in your trash for 7 days; /restore brings it back.",
      ].join("\n"),
    );
  });
});
