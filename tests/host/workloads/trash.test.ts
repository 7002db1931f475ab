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
      expect.stringMatching(/^trash first-\S+: could not purge: zfs destroy -r .*dataset is busy$/),
    ]);
    expect(t.workloads.trash(alice).map((e) => e.containerName)).toEqual(["first"]);
    expect(t.store.operations.listAll()).toEqual([]);
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
