// /snapshot, /snapshots, /rollback and the agent's snapshot tools (issue 15), through the real
// daemon: the Bot API emulator, the scripted LLM and the fake host's zfs.
import { describe, expect, it } from "vitest";
import type { LlmRequest } from "../fakes/llm-server.js";
import { ALICE, BOB, startBotHarness, texts } from "../support/bot-harness.js";

const WS = "tank/users/1001/containers/dev";
const firstButton = (m: { reply_markup?: { inline_keyboard?: { callback_data?: string }[][] } }) =>
  m.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data as string;

async function withDev(options: { withAgent?: boolean; settings?: { realMounts: boolean } } = {}) {
  const harness = await startBotHarness(options);
  harness.api.sendText(ALICE, "/new dev git");
  await harness.api.waitFor(ALICE, (m) => m.text.startsWith("✅"));
  return harness;
}

describe("snapshot commands", () => {
  it("take, list, and roll back behind a card only its owner can press", async () => {
    const { api, host } = await withDev();
    host.setContent(WS, "good work");
    api.sendText(ALICE, "/snapshot dev good");
    await api.waitFor(ALICE, (m) => m.text.startsWith("📸 Snapshot good of dev taken."));
    host.setContent(WS, "broken work");

    api.sendText(ALICE, "/snapshots dev");
    const listed = await api.waitFor(ALICE, (m) => m.text.startsWith("Snapshots of dev"));
    expect(listed.text).toMatch(/^• good .* ago, \S+ of its own$/m);

    api.sendText(ALICE, "/rollback dev good");
    const card = await api.waitFor(ALICE, (m) =>
      m.text.startsWith("Roll dev back to snapshot good?"),
    );
    expect(card.reply_markup?.inline_keyboard?.[0]?.[0]?.text).toBe("Yes, roll back");
    // Bob cannot press Alice's card; nothing changes until she does.
    api.pressButton(BOB, card, firstButton(card));
    api.pressButton(ALICE, card, firstButton(card));
    await api.waitFor(ALICE, (m) =>
      m.text.startsWith("↩️ dev is back at snapshot good (running)."),
    );
    expect(host.dataset(WS)?.content).toBe("good work");
    expect(host.datasets().filter((d) => d.includes("/trash/"))).toHaveLength(1);
  });

  it("answers usage, bad names and strangers with the reason, changing nothing", async () => {
    const { api, host } = await withDev();
    api.sendText(ALICE, "/snapshot dev ../../etc");
    await api.waitFor(ALICE, (m) => m.text.includes("A snapshot name is 1 to 32 lowercase"));
    api.sendText(BOB, "/snapshot dev");
    await api.waitFor(BOB, (m) => m.text.includes('You have no container named "dev"'));
    api.sendText(ALICE, "/rollback dev nope");
    await api.waitFor(ALICE, (m) => m.text.includes("dev has no snapshot named nope."));
    expect(host.snapshots()).toEqual([]);
    expect(texts(api, ALICE).some((t) => t.startsWith("Roll dev back"))).toBe(false);
  });
});

describe("snapshot pickers", () => {
  it("offers the user's containers, then their snapshots, where a command names neither", async () => {
    const { api, host } = await withDev();
    api.sendText(ALICE, "/snapshot");
    const which = await api.waitFor(ALICE, (m) => m.text === "Which container? (/snapshot)");
    expect(firstButton(which)).toBe("p:snapshot:dev");
    api.pressButton(ALICE, which, "p:snapshot:dev");
    const taken = await api.waitFor(ALICE, (m) => m.text.startsWith("📸 Snapshot "));
    const label = /Snapshot (\S+) of dev/.exec(taken.text)?.[1] as string;
    expect(host.snapshots()).toEqual([`${WS}@${label}`]);

    api.sendText(ALICE, "/snapshots");
    const list = await api.waitFor(ALICE, (m) => m.text === "Which container? (/snapshots)");
    api.pressButton(ALICE, list, "p:snapshots:dev");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Snapshots of dev"));

    api.sendText(ALICE, "/rollback dev");
    const snapshots = await api.waitFor(ALICE, (m) => m.text.startsWith("Roll dev back to which"));
    expect(firstButton(snapshots)).toBe(`s:dev:${label}`);
    // Bob's forged press of Alice's picker asks him nothing and changes nothing.
    api.pressButton(BOB, snapshots, `s:dev:${label}`);
    api.pressButton(ALICE, snapshots, `s:dev:${label}`);
    const card = await api.waitFor(ALICE, (m) =>
      m.text.startsWith(`Roll dev back to snapshot ${label}?`),
    );
    expect(card.reply_markup?.inline_keyboard?.[0]?.[0]?.text).toBe("Yes, roll back");
    expect(texts(api, BOB).some((t) => t.startsWith("Roll dev back"))).toBe(false);

    api.sendText(ALICE, "/fork dev");
    await api.waitFor(
      ALICE,
      (m) =>
        m.text ===
        "Name the copy: /fork dev dev-copy.\n" +
          "A snapshot's name after it copies the workspace as it was then (/snapshots dev lists them).",
    );
    api.sendText(ALICE, "/modules");
    const modules = await api.waitFor(ALICE, (m) => m.text === "Which container? (/modules)");
    api.pressButton(ALICE, modules, "p:modules:dev");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Modules of dev: toggle"));
    expect(host.snapshots()).toEqual([`${WS}@${label}`]);
  });
});

describe("the agent's snapshot tools", () => {
  it("take a snapshot and ask for a rollback, which only the user's press carries out", async () => {
    const { api, llm, host } = await withDev({ withAgent: true });
    host.setContent(WS, "good work");
    const calls = [
      { name: "take_snapshot", args: { name: "dev", snapshot: "good" } },
      { name: "rollback_container", args: { name: "dev", snapshot: "good" } },
    ];
    llm.script((request: LlmRequest) => {
      const done = request.messages.filter((m) => m.role === "tool").length;
      if (done === 1) host.setContent(WS, "broken work");
      const call = calls[done];
      return call ? { toolCalls: [call] } : { text: "Snapshot taken; confirm the rollback below." };
    });
    api.sendText(ALICE, "snapshot dev as good, then roll it back to that");
    const card = await api.waitFor(ALICE, (m) =>
      m.text.startsWith("Roll dev back to snapshot good?"),
    );
    expect(host.snapshots()).toEqual([`${WS}@good`]);
    expect(host.dataset(WS)?.content).toBe("broken work");
    api.pressButton(ALICE, card, firstButton(card));
    await api.waitFor(ALICE, (m) => m.text.startsWith("↩️ dev is back at snapshot good"));
    expect(host.dataset(WS)?.content).toBe("good work");
  });
});

describe.skipIf(process.getuid?.() !== 0)("/fork (needs root: real mounts and chown)", () => {
  it("copies a container with its workspace behind a progress message, refusing someone else's", async () => {
    const { api, host } = await withDev({ settings: { realMounts: true } });
    host.setContent(WS, "work");
    api.sendText(BOB, "/fork dev mine");
    await api.waitFor(BOB, (m) => m.text.includes('You have no container named "dev"'));
    api.sendText(ALICE, "/fork dev dev2");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev2 is running"));
    expect(host.dataset("tank/users/1001/containers/dev2")?.content).toBe("work");
    expect(host.machines()).toEqual(["dev", "dev2"]);
    api.sendText(ALICE, "/fork dev");
    await api.waitFor(ALICE, (m) => m.text.startsWith("Name the copy: /fork dev dev-copy."));
    api.sendText(BOB, "/fork dev");
    await expect
      .poll(() => texts(api, BOB).filter((t) => t.includes('no container named "dev"')).length)
      .toBe(2);
  });

  it("is the agent's create_container from a container, run behind the same progress message", async () => {
    const { api, llm, host } = await withDev({ withAgent: true, settings: { realMounts: true } });
    llm.script((request: LlmRequest) =>
      request.messages.at(-1)?.role === "tool"
        ? { text: "Forking dev into dev2." }
        : { toolCalls: [{ name: "create_container", args: { from: "dev", name: "dev2" } }] },
    );
    api.sendText(ALICE, "make me a copy of dev called dev2");
    await api.waitFor(ALICE, (m) => m.text === "Forking dev into dev2.");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅ dev2 is running"));
    expect(host.machines()).toEqual(["dev", "dev2"]);
  });
});
