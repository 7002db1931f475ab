import { describe, expect, it } from "vitest";
import { admin, testWorkloads } from "../../support/test-workloads.js";

describe("doctor", () => {
  it("passes every check on a healthy host", async () => {
    const t = await testWorkloads();
    const report = await t.workloads.doctor(admin);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain("pool tank");
    expect(report.checks.find((c) => c.name === "pool tank")?.detail).toMatch(
      /^ONLINE, \S+ free of \S+$/,
    );
  });

  it("fails the pool check when the pool is degraded or nearly full, saying what to run", async () => {
    const degraded = await testWorkloads({ settings: { poolHealth: "DEGRADED" } });
    expect(
      (await degraded.workloads.doctor(admin)).checks.find((c) => c.name === "pool tank"),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining("run zpool status tank"),
    });
    const full = await testWorkloads({ settings: { poolFreeBytes: 1024 ** 3 } });
    await full.deps.host.zfs.create("tank/big");
    full.host.setUsed("tank/big", 0.95 * 1024 ** 3);
    expect(
      (await full.workloads.doctor(admin)).checks.find((c) => c.name === "pool tank"),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining("under 10% free"),
    });
  });

  it("skips ZFS checks with directory storage", async () => {
    const t = await testWorkloads({ storage: "dir" });
    const names = (await t.workloads.doctor(admin)).checks.map((c) => c.name);
    expect(
      names.filter((n) => n.startsWith("zfs") || n.startsWith("zpool") || n.startsWith("pool")),
    ).toEqual([]);
  });
});
