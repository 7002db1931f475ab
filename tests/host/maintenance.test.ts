import { Api } from "grammy";
import { describe, expect, it, onTestFinished } from "vitest";
import { createNotifier } from "../../src/bot/notifier.js";
import { startMaintenance } from "../../src/maintenance.js";
import { startBotApiServer } from "../fakes/bot-api-server.js";
import { texts } from "../support/bot-harness.js";
import { admin, alice, testWorkloads } from "../support/test-workloads.js";

async function maintained(t: Awaited<ReturnType<typeof testWorkloads>>) {
  const api = await startBotApiServer();
  onTestFinished(() => api.close());
  const notifier = createNotifier(
    new Api(api.token, { apiRoot: api.url }),
    [admin.userId],
    t.logs.log,
  );
  const maintenance = startMaintenance(t.workloads, t.logs.log, {
    notifier,
    reconcileEveryMs: 2_000,
    retryFirstMs: 20,
    deliverEveryMs: 20,
  });
  onTestFinished(() => maintenance.stop());
  return { api, maintenance };
}

const reconcileFailures = (t: Awaited<ReturnType<typeof testWorkloads>>) =>
  t.store.audit
    .recent({ target: "dev" })
    .filter((e) => e.action === "reconcile" && e.outcome === "failed").length;

describe("maintenance", () => {
  it("retries a failing repair with backoff, tells the admins once, and reports the repair", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    t.host.injectFault({
      command: "zfs rename",
      action: "fail",
      stderr: "cannot rename 'tank/users/1001/containers/dev': dataset is busy\n",
    });
    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    await expect(t.workloads.confirmDestroy(alice, request.id)).rejects.toThrow("dataset is busy");

    const { api } = await maintained(t);
    // 20 ms, 40 ms, 80 ms …: three failed passes come well before the 2 s regular interval.
    await expect.poll(() => reconcileFailures(t), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const alerts = texts(api, admin.userId);
    expect(alerts).toEqual([
      expect.stringMatching(
        /^⚠️ Host maintenance: dev: could not finish the interrupted destroy: .*dataset is busy/,
      ),
    ]);

    t.host.clearFaults();
    await expect.poll(() => t.store.containers.find("dev"), { timeout: 10_000 }).toBeUndefined();
    expect(t.store.trash.listAll()).toHaveLength(1);
    expect(t.store.operations.listAll()).toEqual([]);
    expect(texts(api, admin.userId)).toHaveLength(1);
    // Alice asked for the destroy: she is told it finished.
    await api.waitFor(alice.userId, (m) => m.text.startsWith("🗑 dev is destroyed"));
  });

  it("keeps serving when the host cannot be looked at, and says so once", async () => {
    const t = await testWorkloads();
    t.host.injectFault({
      command: "machinectl list",
      action: "fail",
      stderr: "Failed to connect to bus\n",
    });
    const { api, maintenance } = await maintained(t);
    await maintenance.firstPass;
    // Several passes have failed alike, and the admins heard of it once.
    await expect
      .poll(() => t.host.commandLines("machinectl").length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    await expect
      .poll(() => texts(api, admin.userId), { timeout: 10_000 })
      .toEqual([
        expect.stringContaining(
          "looking at the host: machinectl list --output=json --no-pager exited with 1",
        ),
      ]);
    expect(await t.workloads.list(alice)).toEqual([]);
  });

  it("forgets confirmations a day past their expiry and chat history past its age", async () => {
    const DAY = 24 * 60 * 60_000;
    let now = Date.UTC(2026, 11, 1);
    const t = await testWorkloads({ now: () => now });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const old = await t.workloads.requestDestroy(alice, { name: "dev" });
    t.workloads.conversation.append(alice, [{ role: "user", content: "hello" }]);
    now += 2 * DAY;
    const fresh = await t.workloads.requestDestroy(alice, { name: "dev" });
    t.workloads.conversation.append(alice, [{ role: "user", content: "again" }]);

    await maintained(t);
    await expect
      .poll(() => t.store.pendingActions.find(old.id), { timeout: 10_000 })
      .toBeUndefined();
    expect(t.store.pendingActions.find(fresh.id)).toBeDefined();
    // Gone from the table, not only no longer loaded.
    expect(
      t.store.chatHistory.load(alice.userId, { sinceMs: 0 }).flatMap((turn) => turn.messages),
    ).toEqual([{ role: "user", content: "again" }]);
  });
});
