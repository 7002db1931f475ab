import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alice, admin, bob, testWorkloads } from "../../support/test-workloads.js";

const DAY = 24 * 60 * 60_000;

describe("trash", () => {
  it("lists a destroyed container's workspace and restores it into a new container", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: ["git", "fish"] });
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(t.workloads.trash(alice)).toEqual([
      expect.objectContaining({
        id: trashId,
        containerName: "dev",
        modules: ["fish", "git", "workspace"],
      }),
    ]);
    expect(t.workloads.trash(bob)).toEqual([]);
    const restored = await t.workloads.restore(alice, { id: trashId as string, name: "dev2" });
    expect(restored).toMatchObject({
      name: "dev2",
      state: "running",
      modules: ["fish", "git", "workspace"],
    });
    expect(t.host.datasets()).toContain("tank/users/1001/containers/dev2");
    expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
    expect(t.workloads.trash(alice)).toEqual([]);
  });

  it("keeps the workspace in trash when restoring fails", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    // The module set is built already: the install is what fails.
    t.host.injectFault({ command: "systemctl daemon-reload", nth: 1, action: "fail" });
    await expect(
      t.workloads.restore(alice, { id: trashId as string, name: "dev2" }),
    ).rejects.toThrow();
    expect(t.host.datasets()).toContain(`tank/users/1001/trash/${trashId}`);
    expect(t.workloads.trash(alice).map((e) => e.id)).toEqual([trashId]);
    expect(t.store.containers.find("dev2")).toBeUndefined();
  });

  it("does not let another user restore someone's trash", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    await expect(
      t.workloads.restore(bob, { id: trashId as string, name: "mine" }),
    ).rejects.toMatchObject({ reason: "not-found" });
    expect(t.host.datasets()).toContain(`tank/users/1001/trash/${trashId}`);
  });

  it("counts trash against the owner's quota", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    t.host.setUsed("tank/users/1001/containers/dev", 3 * 1024 ** 3);
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    const usage = await t.workloads.usage(alice);
    expect(usage).toMatchObject({
      quotaBytes: 10 * 1024 ** 3,
      usedBytes: 3 * 1024 ** 3,
      availableBytes: 7 * 1024 ** 3,
    });
    expect(usage.trash).toEqual([{ id: trashId, bytes: 3 * 1024 ** 3 }]);
  });

  it("purges by age, and everything on demand", async () => {
    let now = Date.UTC(2026, 10, 1);
    const t = await testWorkloads({ now: () => now });
    for (const name of ["old", "new"]) {
      await t.workloads.create(alice, { name, modules: [] });
      await t.workloads.confirmDestroy(
        alice,
        (await t.workloads.requestDestroy(alice, { name })).id,
      );
      now += 5 * DAY;
    }
    expect(await t.workloads.purgeTrash(admin)).toEqual({
      purged: [expect.stringMatching(/^old-/)],
      failed: [],
    });
    expect(t.workloads.trash(alice).map((e) => e.containerName)).toEqual(["new"]);
    expect(await t.workloads.purgeTrash(admin, { everything: true })).toEqual({
      purged: [expect.stringMatching(/^new-/)],
      failed: [],
    });
    expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
  });

  it("gives a second destroy of the same name within one second its own trash id", async () => {
    const t = await testWorkloads({ now: () => Date.UTC(2026, 11, 1, 12, 0, 0) });
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      await t.workloads.create(alice, { name: "dev", modules: [] });
      const request = await t.workloads.requestDestroy(alice, { name: "dev" });
      ids.push((await t.workloads.confirmDestroy(alice, request.id)).trashId);
    }
    expect(ids).toEqual(["dev-20261201t120000", "dev-20261201t120000-2"]);
    expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([
      "tank/users/1001/trash/dev-20261201t120000",
      "tank/users/1001/trash/dev-20261201t120000-2",
    ]);
  });

  it("purges the rest when the host refuses one entry, and says which", async () => {
    const t = await testWorkloads();
    for (const name of ["first", "second"]) {
      await t.workloads.create(alice, { name, modules: [] });
      await t.workloads.confirmDestroy(
        alice,
        (await t.workloads.requestDestroy(alice, { name })).id,
      );
    }
    t.host.injectFault({
      command: "zfs destroy",
      match: "/trash/first-",
      action: "fail",
      stderr: "cannot destroy 'tank/users/1001/trash/first': dataset is busy\n",
    });
    const result = await t.workloads.purgeTrash(admin, { everything: true });
    expect(result.purged).toEqual([expect.stringMatching(/^second-/)]);
    expect(result.failed).toEqual([
      expect.stringMatching(
        /^trash first-\S+ \(user 1001\): could not purge: zfs destroy -r .*dataset is busy\. Something on the host still uses it .* The next purge \(hourly, or `voxnix trash purge`\) tries again/,
      ),
    ]);
    expect(t.workloads.trash(alice).map((e) => e.containerName)).toEqual(["first"]);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("says what a person can do when zfs will not promote a workspace made from the entry", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "v1" });
    const rollback = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "v1" });
    const { trashId } = (await t.workloads.confirm(alice, rollback.id)) as { trashId: string };
    const destroy = await t.workloads.requestDestroy(alice, { name: "dev" });
    await t.workloads.confirm(alice, destroy.id);
    // The state before the rollback, a clone of dev@v1, lives on: dev's trash promotes it.
    await t.workloads.restore(alice, { id: trashId, name: "old" });
    t.host.injectFault({
      command: "zfs promote",
      action: "fail",
      stderr:
        "cannot promote 'tank/users/1001/containers/old': conflicting snapshot 'v1' from parent 'tank/users/1001/trash/dev-y@v1'\n",
    });
    const { failed } = await t.workloads.purgeTrash(admin, { everything: true });
    expect(failed).toEqual([
      expect.stringContaining(
        "has a snapshot named v1 too: rename that one (zfs rename tank/users/1001/containers/old@v1 tank/users/1001/containers/old@v1.kept). The next purge",
      ),
    ]);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("brings a container back as it was: limits, range, pin, idle period and what was left of its lifetime", async () => {
    // Issue 25, item 4: everything the registry knew travels with the trash entry.
    let now = Date.UTC(2026, 11, 1);
    const t = await testWorkloads({ now: () => now });
    const HOUR = 3_600_000;
    await t.workloads.create(alice, {
      name: "dev",
      modules: ["git"],
      cpus: 2,
      memory: "3G",
      ttlMs: 48 * HOUR,
    });
    t.workloads.pin(alice, { name: "dev" }, true);
    t.workloads.setIdlePeriod(alice, { name: "dev" }, 12 * HOUR);
    const before = t.store.containers.find("dev")?.spec;
    now += 10 * HOUR;
    const gone = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    now += 5 * HOUR;
    // The destroy's Undo: a restore under the old name.
    await t.workloads.restore(alice, { id: gone.trashId as string });
    const after = t.store.containers.find("dev")?.spec;
    expect(after).toEqual(before);
    expect(t.workloads.idlePolicy(alice, { name: "dev" })).toMatchObject({
      pinned: true,
      own: true,
      stopMs: 12 * HOUR,
      // 38 of its 48 hours were left when it was destroyed; they run from the restore.
      expiresAtMs: now + 38 * HOUR,
    });

    // Under another name, from a rollback's entry too: the same record.
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "v1" });
    const rollback = await t.workloads.requestRollback(alice, { name: "dev", snapshot: "v1" });
    const { trashId: kept } = (await t.workloads.confirm(alice, rollback.id)) as {
      trashId: string;
    };
    expect(t.store.trash.find(kept)?.kept).toEqual({
      pinned: true,
      idleStopMs: 12 * HOUR,
      lifetimeLeftMs: 38 * HOUR,
    });
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    await t.workloads.restore(alice, { id: kept, name: "old" });
    expect(t.store.containers.find("old")?.spec).toMatchObject({
      limits: before?.limits,
      privateUsers: before?.privateUsers,
      modules: before?.modules,
    });
    expect(t.workloads.idlePolicy(alice, { name: "old" })).toMatchObject({
      pinned: true,
      stopMs: 12 * HOUR,
    });
  });

  it("does not bring back a lifetime that ran out: that is why it went", async () => {
    let now = Date.UTC(2026, 11, 1);
    const t = await testWorkloads({ now: () => now });
    await t.workloads.create(alice, { name: "dev", modules: [], ttlMs: 3_600_000 });
    now += 2 * 3_600_000;
    await t.workloads.idlePass();
    const [entry] = t.store.trash.listAll();
    expect(entry?.kept).toEqual({ pinned: false });
    await t.workloads.restore(alice, { id: entry?.id as string });
    expect(t.workloads.idlePolicy(alice, { name: "dev" }).expiresAtMs).toBeUndefined();
    await t.workloads.idlePass();
    expect(t.store.containers.find("dev")?.state).toBe("running");
  });

  it("works with plain directories", async () => {
    const t = await testWorkloads({ storage: "dir" });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(readdirSync(join(t.stateDir, "workspaces/1001/trash"))).toEqual([trashId]);
    await t.workloads.restore(alice, { id: trashId as string, name: "dev" });
    expect(readdirSync(join(t.stateDir, "workspaces/1001/containers"))).toEqual(["dev"]);
  });
});
