// Fork (issue 15): a new container from a snapshot of another's workspace, a ZFS clone in a
// user range of its own, that outlives its source. The fake zfs mounts for real here (its
// snapshots and clones copy their files), so the fork's files are really given to its range.
import {
  chownSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  admin,
  alice,
  bob,
  testWorkloads,
  type TestWorkloads,
} from "../../support/test-workloads.js";

const asRoot = process.getuid?.() === 0;

const SRC = "tank/users/1001/containers/dev";
const FORK = "tank/users/1001/containers/dev2";

async function withDev() {
  const t = await testWorkloads({ settings: { realMounts: true } });
  await t.workloads.create(alice, { name: "dev", modules: ["git", "fish"], cpus: 2 });
  t.host.setContent(SRC, "work in progress");
  return t;
}

const specOf = (t: TestWorkloads, name: string) => t.store.containers.find(name)?.spec;

/** The directory a dataset is mounted on, as the host sees it. */
const mounted = (t: TestWorkloads, dataset: string) => join(t.host.root, dataset);

/** dev with a file of its user 1000 in snapshot v1, and dev2 forked from v1. */
async function forkedFromV1() {
  const t = await withDev();
  const base = specOf(t, "dev")?.privateUsers?.base as number;
  chownSync(mounted(t, SRC), base, base);
  writeFileSync(join(mounted(t, SRC), "kept.txt"), "kept\n");
  chownSync(join(mounted(t, SRC), "kept.txt"), base + 1000, base + 1000);
  await t.workloads.snapshot(alice, { name: "dev", snapshot: "v1" });
  await t.workloads.fork(alice, { source: "dev", name: "dev2", snapshot: "v1" });
  return t;
}

/** Rolls dev2 back to v1 and checks its files belong to dev2's own range. */
async function expectOwnFilesAfterRollbackToV1(t: Awaited<ReturnType<typeof forkedFromV1>>) {
  const request = await t.workloads.requestRollback(alice, { name: "dev2", snapshot: "v1" });
  await t.workloads.confirm(alice, request.id);
  const own = specOf(t, "dev2")?.privateUsers?.base as number;
  expect(lstatSync(join(mounted(t, FORK), "kept.txt")).uid).toBe(own + 1000);
  expect(lstatSync(mounted(t, FORK)).uid).toBe(own);
}

describe.skipIf(!asRoot)("fork (needs root: real mounts and chown)", () => {
  it("makes a running copy with the same modules and limits, its own range, from a snapshot taken now", async () => {
    const t = await withDev();
    const base = specOf(t, "dev")?.privateUsers?.base as number;
    // The fake chown records the workspace root's owner without changing it: do as the real one.
    chownSync(mounted(t, SRC), base, base);
    const project = join(mounted(t, SRC), "project");
    mkdirSync(project);
    writeFileSync(join(project, "notes.md"), "notes\n");
    symlinkSync("/etc/shadow", join(project, "link"));
    chownSync(project, base, base);
    chownSync(join(project, "notes.md"), base + 1000, base + 1000);
    lchownSync(join(project, "link"), base, base);
    const result = await t.workloads.fork(alice, { source: "dev", name: "dev2" });
    expect(result).toMatchObject({
      name: "dev2",
      state: "running",
      modules: ["fish", "git", "workspace"],
    });
    expect(t.host.dataset(FORK)).toMatchObject({
      content: "work in progress",
      origin: expect.stringMatching(/^tank\/users\/1001\/containers\/dev@fork-dev2-\d{8}t\d{6}$/),
    });
    const [src, fork] = [specOf(t, "dev"), specOf(t, "dev2")];
    expect(fork?.limits).toEqual(src?.limits);
    const [from, to] = [src?.privateUsers?.base as number, fork?.privateUsers?.base as number];
    expect(to).not.toBe(from);
    // dev's files, as its tenant left them, are dev2's tenant's in dev2.
    const ids = (p: string) => {
      const st = lstatSync(join(mounted(t, FORK), p));
      return [st.uid, st.gid];
    };
    expect(ids("")).toEqual([to, to]);
    expect(ids("project/notes.md")).toEqual([to + 1000, to + 1000]);
    expect(ids("project/link")).toEqual([to, to]);
    expect(readFileSync(join(mounted(t, FORK), "project/notes.md"), "utf8")).toBe("notes\n");
    // …and dev's stay dev's.
    expect(lstatSync(join(mounted(t, SRC), "project/notes.md")).uid).toBe(from + 1000);
    expect(t.host.machines()).toEqual(["dev", "dev2"]);
    expect(t.store.operations.listAll()).toEqual([]);
    // The fork's snapshot is voxnix's: it takes no room under the cap, and stays while the fork does.
    const snaps = await t.workloads.snapshots(alice, { name: "dev" });
    expect(snaps).toEqual([expect.objectContaining({ clones: 1 })]);
    await expect(
      t.workloads.deleteSnapshot(alice, { name: "dev", snapshot: snaps[0]?.name as string }),
    ).rejects.toThrow("while a workspace made from it exists (a fork");
  });

  it("forks from a named snapshot, and survives its source's destroy and purge", async () => {
    const t = await withDev();
    const base = specOf(t, "dev")?.privateUsers?.base as number;
    chownSync(mounted(t, SRC), base, base);
    writeFileSync(join(mounted(t, SRC), "kept.txt"), "kept\n");
    chownSync(join(mounted(t, SRC), "kept.txt"), base + 1000, base + 1000);
    t.host.setContent(SRC, "good");
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "good" });
    t.host.setContent(SRC, "later");
    await t.workloads.fork(alice, { source: "dev", name: "dev2", snapshot: "good" });
    expect(t.host.dataset(FORK)?.content).toBe("good");

    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    await t.workloads.confirmDestroy(alice, request.id);
    await t.workloads.purgeTrash(admin, { everything: true });
    // Promoted before its origin went: the fork has the snapshot, and no origin any more.
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([FORK]);
    expect(t.host.dataset(FORK)?.content).toBe("good");
    expect(t.host.dataset(FORK)?.origin).toBeUndefined();
    expect(t.host.snapshots()).toEqual([`${FORK}@good`]);
    expect(t.host.machines()).toEqual(["dev2"]);
    // good is now dev2's, with dev's users' files: a rollback to it gives them to dev2's.
    const request2 = await t.workloads.requestRollback(alice, { name: "dev2", snapshot: "good" });
    await t.workloads.confirm(alice, request2.id);
    const forkBase = specOf(t, "dev2")?.privateUsers?.base as number;
    expect(lstatSync(join(mounted(t, FORK), "kept.txt")).uid).toBe(forkBase + 1000);
    expect(lstatSync(mounted(t, FORK)).uid).toBe(forkBase);

    await t.workloads.restart(alice, { name: "dev2" });
  });

  it("gives a fork's files to its own range on a rollback after it went through the trash", async () => {
    // Issue 25, item 1: the Undo rebuilt the spec without its fork mark, and the rollback then
    // left the source's users owning the fork's files, a range the next container may get.
    const t = await forkedFromV1();
    const gone = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev2" })).id,
    );
    await t.workloads.restore(alice, { id: gone.trashId as string });
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    await t.workloads.purgeTrash(admin, { everything: true });

    await expectOwnFilesAfterRollbackToV1(t);
  });

  it("gives a rolled-back workspace's files to its range by their owner, not by a fork mark", async () => {
    // Issue 25: a fork restored before restores kept its mark has none; its files still
    // belong to its source's range after a rollback to a snapshot from before the fork.
    const t = await forkedFromV1();
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    await t.workloads.purgeTrash(admin, { everything: true });
    const unmarked = { ...specOf(t, "dev2") } as NonNullable<ReturnType<typeof specOf>>;
    delete unmarked.forked;
    t.store.containers.setSpec("dev2", unmarked);

    await expectOwnFilesAfterRollbackToV1(t);
  }, 60_000);

  it("undoes a fork whose install fails: no clone, no snapshot of the source left", async () => {
    const t = await withDev();
    t.host.injectFault({
      command: "systemctl daemon-reload",
      action: "fail",
      nth: 1,
      stderr: "no\n",
    });
    await expect(t.workloads.fork(alice, { source: "dev", name: "dev2" })).rejects.toThrow();
    t.host.clearFaults();
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([SRC]);
    expect(t.host.snapshots()).toEqual([]);
    expect(t.store.containers.find("dev2")).toBeUndefined();
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("takes its own snapshot of the source away with it once it is purged", async () => {
    const t = await withDev();
    await t.workloads.fork(alice, { source: "dev", name: "dev2" });
    expect(t.host.snapshots()).toEqual([
      expect.stringMatching(/^tank\/users\/1001\/containers\/dev@fork-dev2-/),
    ]);
    const request = await t.workloads.requestDestroy(alice, { name: "dev2" });
    await t.workloads.confirmDestroy(alice, request.id);
    await t.workloads.purgeTrash(admin, { everything: true });
    expect(t.host.snapshots()).toEqual([]);
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([SRC]);
  });

  it("lets its source's trash be purged when both have a snapshot of the same name", async () => {
    const t = await withDev();
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "v1" });
    await t.workloads.fork(alice, { source: "dev", name: "dev2" });
    await t.workloads.snapshot(alice, { name: "dev2", snapshot: "v1" });
    const request = await t.workloads.requestDestroy(alice, { name: "dev" });
    await t.workloads.confirmDestroy(alice, request.id);
    expect((await t.workloads.purgeTrash(admin, { everything: true })).failed ?? []).toEqual([]);
    expect(t.store.trash.listAll()).toEqual([]);
    // The fork keeps its origin snapshot and its own; dev's v1 went with dev.
    expect(t.host.snapshots()).toEqual([
      expect.stringMatching(/^tank\/users\/1001\/containers\/dev2@fork-dev2-/),
      `${FORK}@v1`,
    ]);
  });

  it("lets its source's trash be purged when it has a snapshot named like the one it came from", async () => {
    // Issue 25, item 2: fork from v2, then a v2 of the fork's own: zfs refuses to promote a
    // clone that has a snapshot named like one that would move into it.
    const t = await withDev();
    t.host.setContent(SRC, "dev at v2");
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "v2" });
    await t.workloads.fork(alice, { source: "dev", name: "dev2", snapshot: "v2" });
    t.host.setContent(FORK, "dev2 at v2");
    await t.workloads.snapshot(alice, { name: "dev2", snapshot: "v2" });
    const gone = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(await t.workloads.purgeTrash(admin, { everything: true })).toEqual({
      purged: [gone.trashId],
      failed: [],
    });
    expect(t.store.trash.listAll()).toEqual([]);
    expect(t.host.datasets().filter((d) => d.includes("/trash/"))).toEqual([]);
    // dev2's v2 is still its own v2; dev's, which dev2 started from, is kept beside it.
    expect((await t.workloads.snapshots(alice, { name: "dev2" })).map((s) => s.name)).toEqual([
      `v2.${gone.trashId}`,
      "v2",
    ]);
    const back = async (snapshot: string) => {
      const request = await t.workloads.requestRollback(alice, { name: "dev2", snapshot });
      await t.workloads.confirm(alice, request.id);
      return t.host.dataset(FORK)?.content;
    };
    expect(await back("v2")).toBe("dev2 at v2");
    expect(await back(`v2.${gone.trashId}`)).toBe("dev at v2");
  }, 60_000);

  it("refuses what it cannot do, leaving nothing behind and the source free", async () => {
    const t = await withDev();
    const refused = async (
      input: Parameters<typeof t.workloads.fork>[1],
      text: string,
      who = alice,
    ) => {
      await expect(t.workloads.fork(who, input)).rejects.toThrow(text);
    };
    await refused({ source: "dev", name: "dev" }, "A fork needs a name of its own.");
    await refused({ source: "dev", name: "Dev2" }, "Container names are lowercase");
    await refused({ source: "ghost", name: "dev2" }, 'You have no container named "ghost"');
    await refused({ source: "dev", name: "dev2" }, 'You have no container named "dev"', bob);
    await refused(
      { source: "dev", name: "dev2", snapshot: "nope" },
      "dev has no snapshot named nope.",
    );
    await t.workloads.create(bob, { name: "taken", modules: [] });
    await refused({ source: "dev", name: "taken" }, 'The name "taken" is taken');
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([
      "tank/users/1001/containers/dev",
      "tank/users/2002/containers/taken",
    ]);
    expect(t.host.snapshots()).toEqual([]);
    expect(t.store.operations.listAll()).toEqual([]);
    // The source was never left held.
    await t.workloads.snapshot(alice, { name: "dev", snapshot: "after" });
    // A container from before user namespaces (its root is the host's) is not copied.
    const legacy = specOf(t, "dev");
    if (legacy) t.store.containers.setSpec("dev", { ...legacy, privateUsers: null });
    await refused({ source: "dev", name: "dev2" }, "a copy of it would run as the host's root");
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("needs ZFS", async () => {
    const t = await testWorkloads({ storage: "dir" });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await expect(t.workloads.fork(alice, { source: "dev", name: "dev2" })).rejects.toThrow(
      /Forks need ZFS storage/,
    );
    expect(t.store.operations.listAll()).toEqual([]);
  });
});
