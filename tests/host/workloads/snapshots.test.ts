// Snapshots and rollback (issue 15) against the fake host, whose zfs keeps clones dependent on
// their origin snapshot and promotes them as OpenZFS does (tests/fakes/tools/zfs.mjs).
import { describe, expect, it } from "vitest";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

const WS = "tank/users/1001/containers/dev";

async function withDev(now?: () => number) {
  const t = await testWorkloads(now ? { now } : {});
  await t.workloads.create(alice, { name: "dev", modules: [] });
  return t;
}

/** Takes snapshot `label` of dev with the workspace holding `content`. */
async function snap(t: Awaited<ReturnType<typeof withDev>>, label: string, content: string) {
  t.host.setContent(WS, content);
  return t.workloads.snapshot(alice, { name: "dev", snapshot: label });
}

/**
 * dev with a snapshot "good" of "good work", rolled back to it from "broken" (the broken state in
 * the trash as `before`), then destroyed (`destroyed`).
 */
async function rolledBackThenDestroyed(t: Awaited<ReturnType<typeof withDev>>) {
  await snap(t, "good", "good work");
  t.host.setContent(WS, "broken");
  const rollback = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "good" });
  const { trashId: before } = (await t.workloads.confirm(alice, rollback.id)) as {
    trashId: string;
  };
  const destroy = await t.workloads.requestDestroy(alice, { name: "dev" });
  const { trashId: destroyed } = (await t.workloads.confirm(alice, destroy.id)) as {
    trashId: string;
  };
  return { before, destroyed };
}

describe("snapshots", () => {
  it("takes, lists oldest first, refuses bad names, duplicates, strangers and the cap, and deletes", async () => {
    const t = await withDev();
    expect(await t.workloads.snapshots(alice, { name: "dev" })).toEqual([]);
    expect((await snap(t, "one", "v1")).name).toBe("one");
    const unnamed = await t.workloads.snapshot(alice, { name: "dev" });
    expect(unnamed.name).toMatch(/^\d{8}t\d{6}$/);
    expect((await t.workloads.snapshots(alice, { name: "dev" })).map((s) => s.name)).toEqual([
      "one",
      unnamed.name,
    ]);
    await expect(t.workloads.snapshot(alice, { name: "dev", snapshot: "one" })).rejects.toThrow(
      "dev already has a snapshot named one.",
    );
    await expect(
      t.workloads.snapshot(alice, { name: "dev", snapshot: "../etc" }),
    ).rejects.toMatchObject({ reason: "invalid-input" });
    await expect(
      t.workloads.snapshot(alice, { name: "dev", snapshot: "before-rollback-x" }),
    ).rejects.toThrow(
      'Snapshot names starting with "before-rollback-" or "fork-" are voxnix\'s own',
    );
    await expect(t.workloads.snapshot(bob, { name: "dev" })).rejects.toMatchObject({
      reason: "not-found",
    });
    await snap(t, "three", "v3");
    // The test host's cap is 3.
    await expect(snap(t, "four", "v4")).rejects.toThrow(
      "dev has 3 snapshots, as many as one container may keep.",
    );
    expect(t.host.snapshots()).toEqual([`${WS}@${unnamed.name}`, `${WS}@one`, `${WS}@three`]);
    await t.workloads.deleteSnapshot(alice, { name: "dev", snapshot: "one" });
    await expect(
      t.workloads.deleteSnapshot(alice, { name: "dev", snapshot: "one" }),
    ).rejects.toMatchObject({ reason: "not-found" });
    expect(t.host.snapshots()).toHaveLength(2);
    expect(t.store.operations.listAll()).toEqual([]);
    expect(
      t.store.audit.recent({ target: "dev" }).map((e) => `${e.action} ${e.outcome}`),
    ).toContain("snapshot refused");
  });

  it("refuses a snapshot when the owner's storage quota is used up: it would keep what they delete", async () => {
    const t = await withDev();
    t.host.setUsed(WS, 10 * 1024 ** 3);
    await expect(
      t.workloads.snapshot(alice, { name: "dev", snapshot: "full" }),
    ).rejects.toMatchObject({
      reason: "quota",
      userMessage: expect.stringContaining("Your storage quota is used up"),
    });
    expect(t.host.snapshots()).toEqual([]);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("needs ZFS: a host with directory storage refuses, saying why", async () => {
    const t = await testWorkloads({ storage: "dir" });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await expect(t.workloads.snapshot(alice, { name: "dev" })).rejects.toThrow(
      /Snapshots need ZFS storage/,
    );
  });
});

describe("rollback", () => {
  it("asks first, then swaps the snapshot in, keeping the state before and later snapshots in the trash", async () => {
    const t = await withDev();
    await snap(t, "good", "good work");
    await snap(t, "later", "more work");
    t.host.setContent(WS, "broken work");
    const request = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "good" });
    expect(request).toMatchObject({ action: "rollback", target: "dev", later: ["later"] });
    // Nothing happened yet; only Alice can confirm.
    expect(t.host.dataset(WS)?.content).toBe("broken work");
    await expect(t.workloads.confirm(bob, request.id)).rejects.toMatchObject({
      reason: "not-confirmed",
    });
    const done = await t.workloads.confirm(alice, request.id);
    expect(done).toMatchObject({
      action: "rollback",
      name: "dev",
      snapshot: "good",
      state: "running",
    });
    const trashId = (done as { trashId: string }).trashId;
    expect(t.host.dataset(WS)?.content).toBe("good work");
    expect(t.host.machines()).toEqual(["dev"]);
    const kept = `tank/users/1001/trash/${trashId}`;
    expect(t.host.dataset(kept)?.content).toBe("broken work");
    // The container keeps the snapshots up to the target; the state before keeps the later
    // ones and its safety snapshot.
    expect(t.host.snapshots()).toEqual([
      `${WS}@good`,
      expect.stringMatching(new RegExp(`^${kept}@before-rollback-\\d{8}t\\d{6}$`)),
      `${kept}@later`,
    ]);
    expect(t.store.trash.find(trashId)).toMatchObject({ containerName: "dev", ownerId: 1001 });
    expect(t.store.operations.listAll()).toEqual([]);
    // The state before cannot come back beside dev: its files belong to dev's users.
    await expect(t.workloads.restore(alice, { id: trashId, name: "dev2" })).rejects.toThrow(
      `${trashId} and dev come from one container, before and after a rollback`,
    );
    // The snapshot the kept state was cloned from cannot go while it is there.
    await expect(
      t.workloads.deleteSnapshot(alice, { name: "dev", snapshot: "good" }),
    ).rejects.toThrow(/while a workspace made from it exists/);
  });

  it("refuses a destroy's Undo once the state before its rollback is back, naming each for what it is", async () => {
    // Issue 25, item 5: the refusal called the destroyed container's entry the state from
    // before a rollback, which is the container that now holds the range.
    const t = await withDev();
    const { before, destroyed } = await rolledBackThenDestroyed(t);
    await t.workloads.restore(alice, { id: before, name: "old" });
    // The destroy's Undo: dev as it was destroyed, whose range old (dev before its rollback) has.
    const undo = t.workloads.restore(alice, { id: destroyed });
    await expect(undo).rejects.toThrow(
      `${destroyed} and old come from one container, before and after a rollback, so their files belong to the same users, and two containers never share them: ${destroyed} can come back once old is destroyed (/destroy old, then /restore ${destroyed}).`,
    );
    expect(await undo.catch((error: unknown) => String(error))).not.toContain(
      `${destroyed} is old's workspace from before a rollback`,
    );
    expect(t.store.trash.find(destroyed)).toBeDefined();
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("keeps a stopped container stopped, and refuses a snapshot that is not there", async () => {
    const t = await withDev();
    await snap(t, "good", "good work");
    await t.workloads.stop(alice, { name: "dev" });
    await expect(
      t.workloads.requestRollback(alice, { name: "dev", snapshot: "nope" }),
    ).rejects.toMatchObject({ reason: "not-found" });
    const request = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "good" });
    expect(await t.workloads.confirm(alice, request.id)).toMatchObject({ state: "stopped" });
    expect(t.host.machines()).toEqual([]);
    expect(t.store.containers.find("dev")?.state).toBe("stopped");
  });

  it("leaves no safety snapshot behind when a rollback fails and is undone, however often", async () => {
    const t = await withDev();
    await snap(t, "good", "good work");
    t.host.setContent(WS, "broken work");
    t.host.injectFault({ command: "zfs clone", action: "fail", stderr: "out of space\n" });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const request = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "good" });
      await expect(t.workloads.confirm(alice, request.id)).rejects.toThrow();
    }
    // As it was: its own snapshot, its content, running, and nothing in the trash.
    expect(t.host.snapshots()).toEqual([`${WS}@good`]);
    expect(t.host.dataset(WS)?.content).toBe("broken work");
    expect(t.host.machines()).toEqual(["dev"]);
    expect(t.store.trash.listAll()).toEqual([]);
  });

  it("purges a rolled-back container's trash and the state before in either order, keeping what lives", async () => {
    for (const order of ["old-state-first", "container-first"] as const) {
      const t = await withDev();
      await snap(t, "good", "good work");
      t.host.setContent(WS, "broken");
      const request = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "good" });
      const { trashId: before } = (await t.workloads.confirm(alice, request.id)) as {
        trashId: string;
      };
      if (order === "old-state-first") {
        await t.workloads.purgeTrash(admin, { everything: true });
        expect(t.host.dataset(WS)?.content).toBe("good work");
      }
      const destroy = await t.workloads.requestDestroy(alice, { name: "dev" });
      await t.workloads.confirm(alice, destroy.id);
      expect(await t.workloads.purgeTrash(admin, { everything: true })).toMatchObject({
        failed: [],
      });
      expect(t.store.trash.listAll()).toEqual([]);
      expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
      expect(t.host.snapshots()).toEqual([]);
      expect(before).toMatch(/^dev-/);
    }
  });
  it("purges the state a rollback replaced, restored and snapshotted under the target's name", async () => {
    // Issue 25, item 2: the restored state is a clone of dev@good; a snapshot of its own named
    // good made zfs refuse the promote when dev's trash was purged, every hour, for good.
    // In one second, as a fast host can: old's rollback then names its safety snapshot as dev's
    // was named, which old holds by then.
    const t = await withDev(() => Date.parse("2026-12-08T00:11:24Z"));
    const { before, destroyed: devTrash } = await rolledBackThenDestroyed(t);
    await t.workloads.restore(alice, { id: before, name: "old" });
    const OLD = "tank/users/1001/containers/old";
    expect(t.host.dataset(OLD)?.content).toBe("broken");
    t.host.setContent(OLD, "old's own good");
    await t.workloads.snapshot(alice, { name: "old", snapshot: "good" });

    expect(await t.workloads.purgeTrash(admin, { everything: true })).toEqual({
      purged: [devTrash],
      failed: [],
    });
    expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
    // Both are kept: old's own good under its name, dev's (the state old was rolled back
    // from) under a name that says whose it was.
    const names = (await t.workloads.snapshots(alice, { name: "old" })).map((s) => s.name);
    expect(names).toEqual([`good.${devTrash}`, expect.stringMatching(/^before-rollback-/), "good"]);
    const back = async (snapshot: string) => {
      const request = await t.workloads.requestRollback(alice, { name: "old", snapshot });
      await t.workloads.confirm(alice, request.id);
      return t.host.dataset(OLD)?.content;
    };
    expect(await back("good")).toBe("old's own good");
    expect(await back(`good.${devTrash}`)).toBe("good work");

    // A name with a dot is one a purge gave: nobody can take one.
    await expect(t.workloads.snapshot(alice, { name: "old", snapshot: "good.x" })).rejects.toThrow(
      "A snapshot name is 1 to 32 lowercase letters",
    );
  });
});
