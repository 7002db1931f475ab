import { describe, expect, it } from "vitest";
import type { ProgressStep } from "../../../src/workloads/index.js";
import { eventually } from "../../support/processes.js";
import { alice, bob, admin, testWorkloads } from "../../support/test-workloads.js";

describe("concurrency", () => {
  it("runs at most VOXNIX_BUILD_SLOTS builds at once while list answers", async () => {
    const buildMs = 1_200;
    const t = await testWorkloads({
      settings: { buildDelayMs: buildMs },
      limits: { buildSlots: 1 },
    });
    await t.workloads.create(alice, { name: "warm", modules: [] });
    t.host.configure({ buildDelayMs: buildMs });
    const progress: [string, ProgressStep][] = [];
    // Three module sets not built yet: a built one would take no build slot at all.
    const sets = [["git"], ["fish"], ["devtools"]];
    const creates = ["a1", "b1", "c1"].map((name, i) =>
      t.workloads.create(
        [alice, bob, admin][i] ?? alice,
        { name, modules: sets[i] ?? [] },
        { onProgress: (step) => progress.push([name, step]) },
      ),
    );
    // list is not held up by builds in progress: it answers well within one build.
    expect(
      await eventually(
        () => progress.some(([name, step]) => name === "a1" && step === "building"),
        10_000,
      ),
    ).toBe(true);
    const started = Date.now();
    expect((await t.workloads.list(alice)).map((c) => [c.name, c.state])).toEqual([
      ["a1", "creating"],
      ["warm", "running"],
    ]);
    expect(Date.now() - started).toBeLessThan(buildMs);
    await Promise.all(creates);

    const builds = t.host
      .calls("nix-build")
      .slice(1)
      .map((c) => c.at)
      .sort();
    expect(builds).toHaveLength(3);
    // One slot: each build starts only after the previous one has had its full build time.
    for (let i = 1; i < builds.length; i++)
      expect((builds[i] ?? 0) - (builds[i - 1] ?? 0)).toBeGreaterThanOrEqual(buildMs);
    expect(progress.filter(([, step]) => step === "queued")).toHaveLength(2);
  });

  it("lets a user's first three creates at once all succeed (one makes the user dataset)", async () => {
    const t = await testWorkloads();
    const results = await Promise.allSettled(
      ["c0", "c1", "c2"].map((name) => t.workloads.create(alice, { name, modules: [] })),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(t.host.installed()).toEqual(["c0", "c1", "c2"]);
  });

  it("lets one lifecycle operation hold a container at a time, refusing the others", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const destroy = await t.workloads.requestDestroy(alice, { name: "dev" });
    const [first, second, third] = await Promise.allSettled([
      t.workloads.stop(alice, { name: "dev" }),
      t.workloads.start(alice, { name: "dev" }),
      t.workloads.confirmDestroy(alice, destroy.id),
    ]);
    expect(first).toMatchObject({ status: "fulfilled", value: { state: "stopped" } });
    for (const refused of [second, third])
      expect(refused).toMatchObject({
        status: "rejected",
        reason: {
          reason: "busy",
          userMessage: '"dev" is being stopped by another request; try again when it finishes.',
        },
      });
    expect(t.host.machines()).toEqual([]);
    expect(t.store.containers.find("dev")?.state).toBe("stopped");
    // Once it ends, the container is free again.
    expect(await t.workloads.start(alice, { name: "dev" })).toEqual({
      name: "dev",
      state: "running",
    });
    expect(t.store.operations.listAll()).toEqual([]);
  });
});
