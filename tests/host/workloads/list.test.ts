import { describe, expect, it } from "vitest";
import { alice, testWorkloads } from "../../support/test-workloads.js";

describe("listing containers", () => {
  it("joins the registry with what the host reports, in two host commands however many", async () => {
    const t = await testWorkloads();
    for (const name of ["a", "b", "c"]) await t.workloads.create(alice, { name });
    await t.workloads.stop(alice, { name: "b" });
    const before = t.host.calls().length;
    const list = await t.workloads.list(alice);
    expect(list.map((c) => [c.name, c.state, c.live])).toEqual([
      ["a", "running", true],
      ["b", "stopped", true],
      ["c", "running", true],
    ]);
    expect(t.host.calls().length - before).toBe(2);
  });

  it.each([
    ["hangs", { action: "hang" as const }],
    ["fails", { action: "fail" as const }],
    ["prints something unexpected", { action: "malformed" as const }],
  ])("answers from the registry, not live, when machinectl %s", async (_, fault) => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev" });
    t.host.injectFault({ command: "machinectl list", ...fault });
    const [dev] = await t.workloads.list(alice);
    expect(dev).toMatchObject({ name: "dev", state: "running", live: false });
    expect(t.logs.lines().join("\n")).toContain("listing last known states");
    t.host.clearFaults();
    expect((await t.workloads.list(alice))[0]?.live).toBe(true);
  });
});
