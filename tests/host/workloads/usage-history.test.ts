// Usage over time (issue 14): the idle pass writes down what running containers used, at most
// hourly; /usage shows CPU over the last day and week from it, counting systemd's counter
// starting again at a restart; admins see everyone at once; old samples are forgotten.
import { describe, expect, it } from "vitest";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

const HOUR_MS = 3_600_000;
const MINUTE_NS = 60e9;

describe("usage history", () => {
  it("sums CPU from the hourly samples over a day and a week, across a restart", async () => {
    const clock = { now: Date.parse("2026-12-01T00:00:00Z") };
    const t = await testWorkloads({ now: () => clock.now });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const pass = async (hours: number, cpuMinutes: number) => {
      clock.now += hours * HOUR_MS;
      t.host.setUnitUsage("container@dev.service", {
        CPUUsageNSec: cpuMinutes * MINUTE_NS,
        MemoryCurrent: 256 * 1024 ** 2,
      });
      await t.workloads.idlePass();
    };
    await pass(0, 1); // first sample: the minute since it started
    await pass(0.5, 30); // within the hour: not written down
    await pass(1, 40); // +39
    // systemd's counter starts at 0 again after a restart: 5 counts whole.
    await pass(24 * 3, 5);
    await pass(23, 25); // +20, within the last day
    expect(t.store.usageHistory.cpuSince(alice.userId, 0)).toEqual(
      new Map([["dev", 65 * MINUTE_NS]]),
    );
    const u = await t.workloads.usage(alice);
    expect(u.cpuHistory).toEqual({ dayNs: 25 * MINUTE_NS, weekNs: 65 * MINUTE_NS });
    // A week on, the first days fall out of the week.
    await pass(24 * 5, 26);
    expect((await t.workloads.usage(alice)).cpuHistory).toEqual({
      dayNs: 1 * MINUTE_NS,
      weekNs: 26 * MINUTE_NS, // 5 + 20 + 1: the sample at 73.5h is inside the week
    });
    // Samples past 30 days are forgotten with the hourly purge.
    clock.now += 30 * 24 * HOUR_MS;
    expect(t.workloads.forgetExpired().usageSamples).toBe(4);
    expect(t.workloads.forgetExpired().usageSamples).toBe(0);
  });

  it("shows admins everyone's usage from one look at the host, and nobody else", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "a", modules: [] });
    await t.workloads.create(bob, { name: "b", modules: [] });
    await t.workloads.stop(bob, { name: "b" });
    t.host.setUnitUsage("container@a.service", { MemoryCurrent: 512 * 1024 ** 2 });
    const scansBefore = t.host.commandLines("zfs").filter((l) => l.startsWith("zfs list")).length;
    const all = await t.workloads.usageOverview(admin);
    expect(
      t.host.commandLines("zfs").filter((l) => l.startsWith("zfs list")).length - scansBefore,
    ).toBe(1);
    expect(all.map((u) => [u.userId, u.containers.map((c) => c.name)])).toEqual([
      [alice.userId, ["a"]],
      [bob.userId, ["b"]],
    ]);
    const { overviewLine } = await import("../../../src/workloads/index.js");
    expect(all.map(overviewLine)).toEqual([
      expect.stringMatching(
        /^user 1001: 1 of 1 running \(1 of 8 CPUs, 2G of 16G memory\); 512M memory in use; storage 0B of 10G; CPU 0s in the last day, 0s in 7 days$/,
      ),
      expect.stringMatching(
        /^user 2002: 0 of 1 running \(0 of 8 CPUs, 0B of 16G memory\); 0B memory in use;/,
      ),
    ]);
    await expect(t.workloads.usageOverview(alice)).rejects.toMatchObject({ reason: "not-allowed" });
  });
});
