// Changing a container's modules and limits in place (issue 15): built first, activated in the
// running container without a restart, undone on failure, over the fake host.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alice, bob, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";

const G = 1024 ** 3;
const confOf = (t: TestWorkloads) => readFileSync(join(t.host.confDir, "dev.conf"), "utf8");
const systemOf = (t: TestWorkloads) => /^SYSTEM_PATH=(.*)$/m.exec(confOf(t))?.[1];
const dropInOf = (t: TestWorkloads) =>
  readFileSync(
    join(t.host.root, "etc/systemd-mutable/system/container@dev.service.d/voxnix.conf"),
    "utf8",
  );

async function withDev(modules = ["git"]) {
  const t = await testWorkloads();
  await t.workloads.create(alice, { name: "dev", modules });
  return t;
}

/** Everything about dev that a failed or refused change must leave as it was. */
const snapshotOf = (t: TestWorkloads) => ({
  conf: confOf(t),
  dropIn: dropInOf(t),
  running: t.host.runningSystem("dev"),
  spec: t.store.containers.find("dev")?.spec,
  machines: t.host.machines(),
});

describe("change in place", () => {
  it("adds a module to a running container: built, installed, switched to without a restart", async () => {
    const t = await withDev();
    const before = systemOf(t);
    expect(t.host.runningSystem("dev")).toBe(before);
    const result = await t.workloads.change(alice, { name: "dev", add: ["fish"] });
    expect(result).toMatchObject({
      modules: ["fish", "git", "workspace"],
      state: "running",
      applied: "switched",
    });
    const after = systemOf(t);
    expect(after).not.toBe(before);
    expect(t.host.runningSystem("dev")).toBe(after);
    expect(t.host.commandLines().filter((c) => /nixos-container (stop|start)/.test(c))).toEqual([
      "nixos-container start dev",
    ]);
    // Inside the container, by its own systemd: as its root, in its user namespace.
    expect(t.host.commandLines().filter((c) => c.startsWith("systemd-run"))).toEqual([
      `systemd-run --machine=dev --unit=voxnix-switch-to-configuration --pipe --wait --collect --no-ask-password --service-type=exec --property=RuntimeMaxSec=300 --property=TimeoutStopSec=5 -- ${after}/bin/switch-to-configuration test`,
    ]);
    expect(t.store.containers.find("dev")?.spec.modules).toEqual(["fish", "git", "workspace"]);
    expect(t.store.operations.listAll()).toEqual([]);
    // And back: a system built before costs no build.
    const builds = t.host.commandLines().filter((c) => c.startsWith("nix-build")).length;
    await t.workloads.change(alice, { name: "dev", remove: ["fish"] });
    expect(systemOf(t)).toBe(before);
    expect(t.host.runningSystem("dev")).toBe(before);
    expect(t.host.commandLines().filter((c) => c.startsWith("nix-build"))).toHaveLength(builds);
  });

  it("changes limits now (set-property) and for good (the drop-in), within the user's share", async () => {
    const t = await withDev();
    const result = await t.workloads.change(alice, { name: "dev", cpus: 2, memory: "4G" });
    expect(result).toMatchObject({ limits: { cpus: 2, memoryBytes: 4 * G }, applied: "switched" });
    expect(t.host.unitProperties("container@dev.service")).toMatchObject({
      CPUQuota: "200%",
      MemoryMax: String(4 * G),
    });
    expect(dropInOf(t)).toContain("CPUQuota=200%");
    expect(dropInOf(t)).toContain(`MemoryMax=${4 * G}`);
    // Only the limits changed: the system stays, nothing is built or switched.
    expect(t.host.commandLines().some((c) => c.includes("switch-to-configuration"))).toBe(false);
    expect(t.host.commandLines().filter((c) => c.startsWith("nix-instantiate"))).toHaveLength(1);
    const kept = snapshotOf(t);
    await expect(t.workloads.change(alice, { name: "dev", cpus: 5 })).rejects.toThrow(
      "At most 4 CPUs per container",
    );
    expect(snapshotOf(t)).toEqual(kept);
  });

  it("writes a stopped container's change for its next start", async () => {
    const t = await withDev();
    await t.workloads.stop(alice, { name: "dev" });
    const result = await t.workloads.change(alice, { name: "dev", add: ["fish"] });
    expect(result).toMatchObject({ state: "stopped", applied: "next-start" });
    expect(t.host.commandLines().some((c) => c.includes("switch-to-configuration"))).toBe(false);
    await t.workloads.start(alice, { name: "dev" });
    expect(t.host.runningSystem("dev")).toBe(systemOf(t));
  });

  it.each([
    ["the build", { command: "nix-build" }],
    ["the activation", { command: "systemd-run", match: "switch-to-configuration", nth: 1 }],
    ["applying the limits", { command: "systemctl set-property", nth: 1 }],
  ])("keeps the previous system running when %s fails, and says why", async (_, fault) => {
    const t = await withDev();
    const kept = snapshotOf(t);
    t.host.injectFault({ ...fault, action: "fail", stderr: "injected\n" });
    const change = t.workloads.change(alice, { name: "dev", add: ["fish"], cpus: 2 });
    await expect(change).rejects.toMatchObject({ name: "NotChanged" });
    await expect(change).rejects.toThrow(/^dev: change not made, previous system kept/);
    t.host.clearFaults();
    expect(snapshotOf(t)).toEqual(kept);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("restarts the container on its previous system when no activation works inside it", async () => {
    const t = await withDev();
    const kept = snapshotOf(t);
    // A tenant's login shell that fails every command: the new system's activation and the
    // old one's both fail.
    t.host.injectFault({ command: "systemd-run", action: "fail", stderr: "broken\n" });
    await expect(t.workloads.change(alice, { name: "dev", add: ["fish"] })).rejects.toMatchObject({
      name: "NotChanged",
    });
    t.host.clearFaults();
    expect(t.host.commandLines().filter((c) => c.startsWith("nixos-container stop"))).toHaveLength(
      1,
    );
    expect({ ...snapshotOf(t), running: t.host.runningSystem("dev") }).toEqual(kept);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("counts the new limits against a start that raced its build: the later of the two is refused", async () => {
    const t = await testWorkloads({ limits: { userCpus: 2, maxCpus: 2 } });
    await t.workloads.create(alice, { name: "dev", modules: ["git"] });
    await t.workloads.create(alice, { name: "web", modules: [] });
    await t.workloads.stop(alice, { name: "web" });
    const builds = t.host.commandLines("nix-build").length;
    t.host.injectFault({ command: "nix-build", action: "gate", gate: "build" });
    const change = t.workloads.change(alice, { name: "dev", add: ["fish"], cpus: 2 });
    await expect
      .poll(() => t.host.commandLines("nix-build").length, { timeout: 20_000 })
      .toBe(builds + 1);
    await t.workloads.start(alice, { name: "web" });
    t.host.openGate("build");
    await expect(change).rejects.toMatchObject({ reason: "quota" });
    expect(t.store.containers.find("dev")?.spec).toMatchObject({
      modules: ["git", "workspace"],
      limits: { cpus: 1 },
    });
    expect(t.host.commandLines().some((c) => c.includes("set-property"))).toBe(false);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("keeps the lower limits when the previous ones no longer fit after a failed change", async () => {
    const t = await testWorkloads({ limits: { userCpus: 4, maxCpus: 4 } });
    await t.workloads.create(alice, { name: "web", modules: [], cpus: 2 });
    await t.workloads.stop(alice, { name: "web" });
    await t.workloads.create(alice, { name: "dev", modules: ["git"], cpus: 3 });
    // Committed (dev at 2 in the registry), then held before its activation, which will fail.
    t.host.injectFault({ command: "systemctl set-property", action: "gate", gate: "limits" });
    t.host.injectFault({ command: "systemd-run", action: "fail", nth: 1, stderr: "no\n" });
    const change = t.workloads.change(alice, { name: "dev", add: ["fish"], cpus: 2 });
    await expect
      .poll(() => t.host.commandLines("systemctl").some((c) => c.includes("set-property")), {
        timeout: 20_000,
      })
      .toBe(true);
    await t.workloads.start(alice, { name: "web" }); // 2 + 2 fits the share of 4
    t.host.openGate("limits");
    await expect(change).rejects.toMatchObject({
      name: "NotChanged",
      userMessage: expect.stringContaining("with 2 CPU"),
    });
    expect(t.store.containers.find("dev")?.spec).toMatchObject({
      modules: ["git", "workspace"],
      limits: { cpus: 2 },
    });
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("ends its lease when the last look at the container fails, done as it is", async () => {
    const t = await withDev();
    t.host.injectFault({ command: "machinectl show", action: "fail", nth: 2 });
    const result = await t.workloads.change(alice, { name: "dev", add: ["fish"] });
    expect(result.state).toBe("running");
    expect(t.store.operations.listAll()).toEqual([]);
    await t.workloads.stop(alice, { name: "dev" });
  });

  it("undoes a failed change after a nixpkgs update without building the old system again", async () => {
    const t = await withDev();
    const kept = snapshotOf(t);
    t.host.configure({ nixpkgs: "/nix/store/00000000000000000000000000000000-nixpkgs-25.11" });
    const builds = t.host.commandLines("nix-build").length;
    // The new system builds (against the new nixpkgs) but does not activate: the undo goes
    // back to the store path dev booted, which the new nixpkgs would not build again.
    t.host.injectFault({
      command: "systemd-run",
      action: "fail",
      nth: 1,
      stderr: "injected\n",
    });
    await expect(t.workloads.change(alice, { name: "dev", add: ["fish"] })).rejects.toMatchObject({
      name: "NotChanged",
    });
    t.host.clearFaults();
    expect(snapshotOf(t)).toEqual(kept);
    expect(t.host.commandLines("nix-build")).toHaveLength(builds + 1);
    expect(t.store.operations.listAll()).toEqual([]);
  });

  it("refuses what it cannot do, changing nothing", async () => {
    const t = await withDev();
    const kept = snapshotOf(t);
    const refused = async (input: Parameters<typeof t.workloads.change>[1], text: string) => {
      await expect(t.workloads.change(alice, input)).rejects.toThrow(text);
    };
    await refused({ name: "dev", add: ["fihs"] }, "Unknown module: fihs.");
    await refused({ name: "dev", remove: ["fish"] }, "dev has no fish to remove");
    await refused(
      { name: "dev", add: ["tailscale"] },
      "Tailscale is chosen when a container is created",
    );
    await refused({ name: "dev", remove: ["workspace"] }, "Every container has workspace");
    await refused({ name: "dev", add: ["fish"], remove: ["fish"] }, "Asked to add and remove fish");
    await refused({ name: "dev", memory: "1k" }, "A container needs at least 64M of memory.");
    await expect(t.workloads.change(bob, { name: "dev", add: ["fish"] })).rejects.toMatchObject({
      reason: "not-found",
    });
    expect(snapshotOf(t)).toEqual(kept);
    const unchanged = await t.workloads.change(alice, { name: "dev", add: ["git"] });
    expect(unchanged.applied).toBe("unchanged");
    expect(t.store.operations.listAll()).toEqual([]);
  });
});
