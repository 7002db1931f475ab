// What voxnix tells people unasked (issue 14): each kind reaches the owner once per occasion,
// through the notices outbox, and not at all when they muted it.
import { describe, expect, it } from "vitest";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

const G = 1024 ** 3;
const DAY_MS = 24 * 60 * 60_000;
const told = (t: Awaited<ReturnType<typeof testWorkloads>>, userId: number) =>
  t.store.notices
    .listAll()
    .filter((n) => n.userId === userId)
    .map((n) => n.text);

describe("notifications", () => {
  it("tells the owner once when a running container stopped without anyone asking", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.deps.host.containers.stop("dev"); // from inside, or a crash: not through voxnix
    await t.workloads.reconcile();
    await t.workloads.reconcile();
    expect(told(t, alice.userId)).toEqual([
      "⚠️ dev stopped without anyone asking: it crashed, or was shut down from inside. /logs dev shows why; /up dev starts it.",
    ]);
    // Her own stop is no news to her.
    await t.workloads.start(alice, { name: "dev" });
    await t.workloads.stop(alice, { name: "dev" });
    await t.workloads.reconcile();
    expect(told(t, alice.userId)).toHaveLength(1);
  });

  it("tells the owner what an admin did to their container, and the admin nothing", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.stop(admin, { name: "dev" });
    const request = await t.workloads.requestDestroy(admin, { name: "dev" });
    const { trashId } = await t.workloads.confirmDestroy(admin, request.id);
    expect(told(t, alice.userId)).toEqual([
      "An admin (user 1) stopped your container dev.",
      `An admin (user 1) destroyed your container dev. Its workspace is in your trash as ${trashId} for 7 days; /restore ${trashId} brings it back.`,
    ]);
    expect(told(t, admin.userId)).toEqual([]);
  });

  it("warns once when a storage quota passes 90 %, and again only after it fell below 80 %", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const dataset = "tank/users/1001/containers/dev";
    t.host.setUsed(dataset, 9.5 * G);
    await t.workloads.watch();
    await t.workloads.watch();
    expect(told(t, alice.userId)).toEqual([
      expect.stringMatching(/^⚠️ Your storage is 9\d % full \(9\.5G of 10G\)/),
    ]);
    t.host.setUsed(dataset, 5 * G);
    await t.workloads.watch();
    t.host.setUsed(dataset, 9.2 * G);
    await t.workloads.watch();
    expect(told(t, alice.userId)).toHaveLength(2);
  });

  it("warns once in the last day before a trash entry is purged", async () => {
    let now = Date.now();
    const t = await testWorkloads({ now: () => now });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    const { trashId } = await t.workloads.confirmDestroy(alice, request.id);
    await t.workloads.watch();
    expect(told(t, alice.userId)).toEqual([]);
    now += 6.5 * DAY_MS;
    await t.workloads.watch();
    await t.workloads.watch();
    expect(told(t, alice.userId)).toEqual([
      `🗑 The workspace of dev (${trashId}) will be deleted for good within a day. /restore ${trashId} brings it back.`,
    ]);
  });

  it("tells a user who muted notifications none of them; outcomes of their own requests still come", async () => {
    const t = await testWorkloads();
    t.workloads.notifications.mute(bob, true);
    expect(t.workloads.notifications.muted(bob)).toBe(true);
    await t.workloads.create(bob, { name: "web", modules: [] });
    await t.workloads.stop(admin, { name: "web" });
    await t.deps.host.containers.start("web");
    await t.workloads.reconcile(); // running again: state follows, nothing to tell
    await t.deps.host.containers.stop("web");
    await t.workloads.reconcile();
    expect(told(t, bob.userId)).toEqual([]);
    t.workloads.notifications.mute(bob, false);
    await t.workloads.start(admin, { name: "web" });
    expect(told(t, bob.userId)).toEqual(["An admin (user 1) started your container web."]);
  });
});
