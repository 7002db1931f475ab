// A restart delivers no message twice: the Bot API forgets an update once a getUpdates with a
// higher offset confirms it (the emulator does as Telegram does), so the daemon must confirm
// what it handled before it stops, or the next one acts on it again.
import { describe, expect, it } from "vitest";
import { ALICE, startBotHarness, texts } from "../support/bot-harness.js";

describe("a graceful restart", () => {
  it("acts on no message twice: the snapshot taken before it is not taken again", async () => {
    const first = await startBotHarness({ withAgent: false });
    const { api, host } = first;
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"), 30_000);
    api.sendText(ALICE, "/snapshot dev good");
    await api.waitFor(ALICE, (m) => m.text.includes("good"), 30_000);
    const before = texts(api, ALICE);
    await first.daemon.stop(5_000);

    const second = await startBotHarness({
      withAgent: false,
      reuse: { api, host, stateDir: first.env.VOXNIX_STATE_DIR as string },
    });
    api.sendText(ALICE, "/list");
    await api.waitFor(ALICE, (m) => m.text.includes("dev") && !before.includes(m.text), 30_000);
    expect(host.snapshots().filter((s) => s.endsWith("@good"))).toHaveLength(1);
    expect(texts(api, ALICE).slice(before.length)).toHaveLength(1);
    await second.daemon.stop(5_000);
  }, 90_000);

  it("acts on no message twice when it stops while handling one", async () => {
    const first = await startBotHarness({ withAgent: false });
    const { api, host } = first;
    api.sendText(ALICE, "/new dev git");
    await api.waitFor(ALICE, (m) => m.text.startsWith("✅"), 30_000);
    host.injectFault({ command: "zfs snapshot", action: "gate", gate: "snapshot" });
    api.sendText(ALICE, "/snapshot dev good");
    await expect.poll(() => host.commandLines("zfs").some((c) => c.includes("@good"))).toBe(true);
    const stopping = first.daemon.stop(30_000);
    host.openGate("snapshot");
    await stopping;
    const before = texts(api, ALICE);

    const second = await startBotHarness({
      withAgent: false,
      reuse: { api, host, stateDir: first.env.VOXNIX_STATE_DIR as string },
    });
    api.sendText(ALICE, "/list");
    await api.waitFor(ALICE, (m) => m.text.includes("dev") && !before.includes(m.text), 30_000);
    expect(
      host.commandLines("zfs").filter((c) => c.includes("snapshot") && c.includes("@good")),
    ).toHaveLength(1);
    expect(texts(api, ALICE).slice(before.length)).toHaveLength(1);
    await second.daemon.stop(5_000);
  }, 90_000);
});
