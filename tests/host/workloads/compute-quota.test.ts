// Per-user compute quotas (issue 14): a user's running containers together stay within their
// share; stopped ones do not count; the admin sets a user's own share.
import { describe, expect, it } from "vitest";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

const G = 1024 ** 3;

describe("compute quota", () => {
  it("refuses the create or start that would pass it, naming what runs; stopped ones do not count", async () => {
    const t = await testWorkloads({ limits: { userCpus: 2, maxCpus: 2 } });
    await t.workloads.create(alice, { name: "a", modules: [] });
    await t.workloads.create(alice, { name: "b", modules: [] });
    await expect(t.workloads.create(alice, { name: "c", modules: [] })).rejects.toMatchObject({
      reason: "quota",
      userMessage:
        "Running c (1 CPU, 2G) would pass your share of 2 CPUs and 16G; running now: a (1 CPU, 2G), b (1 CPU, 2G). Stop one first (/down NAME).",
    });
    expect(t.store.containers.find("c")).toBeUndefined();
    // Bob's share is his own.
    await t.workloads.create(bob, { name: "bobs", modules: [], cpus: 2 });

    await t.workloads.stop(alice, { name: "b" });
    await t.workloads.create(alice, { name: "c", modules: [] });
    await expect(t.workloads.start(alice, { name: "b" })).rejects.toMatchObject({
      reason: "quota",
    });
    expect(t.host.machines()).not.toContain("b");
    // A restart of what runs already takes nothing more.
    expect(await t.workloads.restart(alice, { name: "a" })).toMatchObject({ state: "running" });
  });

  it("never refuses what adds nothing, over a quota the admin just lowered; words an admin's refusal", async () => {
    const t = await testWorkloads({ limits: { userCpus: 4, maxCpus: 2 } });
    await t.workloads.create(alice, { name: "a", modules: [], cpus: 2, memory: 4 * G });
    await t.workloads.create(alice, { name: "b", modules: [], cpus: 2 });
    t.workloads.setQuota(admin, { userId: alice.userId, cpus: 2 });
    // Alice is over her new share: lowering a container, or restarting one, is how she gets back.
    expect(await t.workloads.change(alice, { name: "a", cpus: 1, memory: 2 * G })).toMatchObject({
      limits: { cpus: 1, memoryBytes: 2 * G },
    });
    expect(await t.workloads.restart(alice, { name: "b" })).toMatchObject({ state: "running" });
    // Raising one is still refused, and an admin doing it hears whose share it is.
    await expect(t.workloads.change(alice, { name: "a", cpus: 2 })).rejects.toMatchObject({
      reason: "quota",
      userMessage: expect.stringContaining("would pass your share of 2 CPUs"),
    });
    await expect(t.workloads.change(admin, { name: "a", cpus: 2 })).rejects.toMatchObject({
      reason: "quota",
      userMessage: expect.stringContaining("would pass the share of its owner (1001) of 2 CPUs"),
    });
    expect(t.store.containers.find("a")?.spec.limits.cpus).toBe(1);
  });

  it("counts memory as well as CPUs", async () => {
    const t = await testWorkloads({ limits: { userMemoryBytes: 8 * G } });
    await t.workloads.create(alice, { name: "a", modules: [], memory: 6 * G });
    await expect(
      t.workloads.create(alice, { name: "b", modules: [], memory: 4 * G }),
    ).rejects.toMatchObject({ reason: "quota", userMessage: expect.stringContaining("8G") });
    await t.workloads.create(alice, { name: "b", modules: [], memory: 2 * G });
  });

  it("lets one of two starts at once take the last CPU, not both", async () => {
    const t = await testWorkloads({ limits: { userCpus: 2, maxCpus: 2 } });
    await t.workloads.create(alice, { name: "a", modules: [] });
    for (const name of ["b", "c"]) {
      await t.workloads.create(alice, { name, modules: [] });
      await t.workloads.stop(alice, { name });
    }
    const started = await Promise.allSettled(
      ["b", "c"].map((name) => t.workloads.start(alice, { name })),
    );
    expect(started.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(started.find((r) => r.status === "rejected")).toMatchObject({
      reason: expect.objectContaining({ reason: "quota" }),
    });
    expect(t.host.machines()).toHaveLength(2);
  });

  it("is the admin's to set per user, audited; the defaults come back with clear", async () => {
    const t = await testWorkloads({ limits: { userCpus: 1, maxCpus: 1 } });
    expect(() => t.workloads.setQuota(alice, { userId: alice.userId, cpus: 8 })).toThrow(
      expect.objectContaining({ reason: "not-allowed" }),
    );
    expect(t.workloads.setQuota(admin, { userId: alice.userId, cpus: 3 })).toEqual({
      cpus: 3,
      memoryBytes: 16 * G,
      own: true,
    });
    for (const name of ["a", "b", "c"]) await t.workloads.create(alice, { name, modules: [] });
    expect(t.workloads.setQuota(admin, { userId: alice.userId, clear: true })).toMatchObject({
      cpus: 1,
      own: false,
    });
    // Lowering a quota stops nothing; the next start is measured against it.
    expect(t.host.machines()).toHaveLength(3);
    await t.workloads.stop(alice, { name: "c" });
    await expect(t.workloads.start(alice, { name: "c" })).rejects.toMatchObject({
      reason: "quota",
    });
    expect(t.store.audit.recent({ target: String(alice.userId) }).map((e) => e.action)).toEqual([
      "set-quota",
      "set-quota",
    ]);
  });
});

describe("usage", () => {
  it("reports the running share of the quota and each running container's CPU and memory", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "a", modules: [], cpus: 2 });
    await t.workloads.create(alice, { name: "b", modules: [] });
    await t.workloads.stop(alice, { name: "b" });
    t.host.setUnitUsage("container@a.service", {
      CPUUsageNSec: 192_000_000_000,
      MemoryCurrent: 512 * 1024 ** 2,
      MemoryPeak: 1536 * 1024 ** 2,
    });
    const u = await t.workloads.usage(alice);
    expect(u.compute).toEqual({
      cpus: 8,
      memoryBytes: 16 * G,
      own: false,
      usedCpus: 2,
      usedMemoryBytes: 2 * G,
    });
    const [a, b] = u.containers;
    expect(a).toMatchObject({
      name: "a",
      resources: {
        cpuNs: 192_000_000_000,
        memoryBytes: 512 * 1024 ** 2,
        memoryPeakBytes: 1536 * 1024 ** 2,
      },
    });
    expect(a?.resources?.activeSince).toBeInstanceOf(Date);
    expect(b).toEqual({ name: "b", bytes: expect.any(Number) }); // stopped: no cgroup to read
  });
});
