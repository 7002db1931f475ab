import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostCommandError } from "../../../src/host/index.js";
import { Refusal } from "../../../src/workloads/index.js";
import {
  alice,
  bob,
  admin,
  TAILSCALE_KEY,
  testWorkloads,
  type TestWorkloads,
} from "../../support/test-workloads.js";

/** Everything a container leaves on the host, to assert "no orphan" in one comparison. */
function footprint(t: TestWorkloads) {
  const staged = (dir: string) =>
    existsSync(join(t.stateDir, dir)) ? readdirSync(join(t.stateDir, dir)) : [];
  return {
    rows: t.store.containers.listAll().map((c) => `${c.name}:${c.state}`),
    workspaces: t.host.datasets().filter((d) => d.includes("/containers/")),
    installed: t.host.installed(),
    running: t.host.machines(),
    specs: staged("specs"),
    secrets: staged("secrets"),
  };
}

const EMPTY = { rows: [], workspaces: [], installed: [], running: [], specs: [], secrets: [] };

describe("create", () => {
  it("runs the golden command sequence and ends running", async () => {
    const t = await testWorkloads();
    const result = await t.workloads.create(alice, { name: "dev", modules: ["git", "fish"] });
    expect(result).toEqual({
      name: "dev",
      ownerId: 1001,
      modules: ["fish", "git", "workspace"],
      state: "running",
    });
    const specPath = join(t.stateDir, "specs/dev.json");
    expect(t.host.commandLines()).toEqual([
      "zfs list -H -p -r -o name,used,available,quota tank/users",
      "zfs list -H -o name tank/users/1001",
      "zfs create -p -o quota=10737418240 -o mountpoint=/tank/users/1001 -o voxnix:owner=1001 tank/users/1001",
      "zfs create -p -o voxnix:container=dev tank/users/1001/containers/dev",
      `extra-container create -E ${t.deps.host.definitionFor(specPath)} --start`,
      "machinectl show dev --property=State --no-pager",
    ]);
    expect(footprint(t)).toEqual({
      ...EMPTY,
      rows: ["dev:running"],
      workspaces: ["tank/users/1001/containers/dev"],
      installed: ["dev"],
      running: ["dev"],
      specs: ["dev.json"],
    });
    expect(t.store.audit.recent({ target: "dev" })[0]).toMatchObject({
      actor: "tg:1001",
      action: "create",
      outcome: "ok",
    });
  });

  it("writes the spec mkContainer reads, with the workspace path and limits", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: ["git"], cpus: 2, memory: "4G" });
    expect(JSON.parse(readFileSync(join(t.stateDir, "specs/dev.json"), "utf8"))).toEqual({
      version: 1,
      name: "dev",
      owner: 1001,
      modules: ["git", "workspace"],
      limits: { cpus: 2, memoryBytes: 4 * 1024 ** 3, tasksMax: 4096 },
      workspace: { hostPath: "/tank/users/1001/containers/dev" },
      tailscale: null,
    });
  });

  it("stages the tailscale key as a root-only file and keeps it out of spec, argv and logs", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "ts", modules: ["tailscale"] });
    const keyFile = join(t.stateDir, "secrets/ts/tailscale-auth-key");
    expect(readFileSync(keyFile, "utf8")).toBe(TAILSCALE_KEY);
    expect(statSync(keyFile).mode & 0o777).toBe(0o400);
    expect(statSync(join(t.stateDir, "secrets/ts")).mode & 0o777).toBe(0o700);
    const spec = readFileSync(join(t.stateDir, "specs/ts.json"), "utf8");
    expect(JSON.parse(spec).tailscale).toEqual({ authKeyFile: keyFile });
    expect(spec).not.toContain(TAILSCALE_KEY);
    expect(JSON.stringify(t.host.calls())).not.toContain(TAILSCALE_KEY);
    expect(t.logs.lines().join("\n")).not.toContain(TAILSCALE_KEY);
  });

  it.each([
    [
      "an unknown module",
      { name: "dev", modules: ["fihs"] },
      /Unknown module: fihs\. Available: devtools, fish, git, tailscale, workspace\./,
    ],
    ["a module twice", { name: "dev", modules: ["git", "git"] }, /Module listed twice: git/],
    ["a bad name", { name: "-dev_", modules: [] }, /a container name is 1 to 11 characters/],
    [
      "a capitalised name",
      { name: "Dev", modules: [] },
      /container names are lowercase: try "dev"/,
    ],
    [
      "a CPU count systemd cannot express",
      { name: "dev", modules: [], cpus: 0.004 },
      /cpus must be at least 0\.01/,
    ],
    ["too little memory", { name: "dev", modules: [], memory: 1 }, /memory must be at least 64M/],
    ["a long name", { name: "averylongname", modules: [] }, /1 to 11 characters/],
    ["too many CPUs", { name: "dev", modules: [], cpus: 16 }, /At most 4 CPUs/],
    ["too much memory", { name: "dev", modules: [], memory: "64G" }, /At most 8 GiB of memory/],
  ])("refuses %s and changes nothing", async (_, input, message) => {
    const t = await testWorkloads();
    await expect(t.workloads.create(alice, input)).rejects.toThrow(message);
    expect(footprint(t)).toEqual(EMPTY);
    expect(t.host.calls()).toEqual([]);
  });

  it("refuses tailscale when no auth key is configured", async () => {
    const t = await testWorkloads({ tailscaleKey: null });
    await expect(
      t.workloads.create(alice, { name: "ts", modules: ["tailscale"] }),
    ).rejects.toMatchObject({ reason: "unavailable" });
    expect(footprint(t)).toEqual(EMPTY);
  });

  it("refuses a name another user has, suggesting a free one, without touching theirs", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const before = footprint(t);
    const refusal = await t.workloads
      .create(bob, { name: "dev", modules: ["git"] })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toMatchObject({ reason: "name-taken", details: { suggestion: "dev-2" } });
    expect((refusal as Refusal).userMessage).toBe(
      'The name "dev" is taken on this host. Try "dev-2".',
    );
    expect(footprint(t)).toEqual(before);
    expect(t.store.containers.find("dev")?.ownerId).toBe(alice.userId);
  });

  it("refuses past the per-user and host-wide limits, saying which", async () => {
    const t = await testWorkloads({ limits: { maxContainersPerUser: 1, maxContainers: 2 } });
    await t.workloads.create(alice, { name: "a1", modules: [] });
    await expect(t.workloads.create(alice, { name: "a2", modules: [] })).rejects.toThrow(
      /You have 1 containers, the most allowed/,
    );
    await t.workloads.create(bob, { name: "b1", modules: [] });
    await expect(t.workloads.create(admin, { name: "c1", modules: [] })).rejects.toThrow(
      /This host is full \(2 containers\)/,
    );
    expect(t.store.containers.countAll()).toBe(2);
  });

  it("refuses when the user's quota is used up", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "a1", modules: [] });
    t.host.setUsed("tank/users/1001/containers/a1", 10 * 1024 ** 3);
    await expect(t.workloads.create(alice, { name: "a2", modules: [] })).rejects.toMatchObject({
      reason: "quota",
    });
    expect(t.host.datasets()).not.toContain("tank/users/1001/containers/a2");
  });

  it("lets only admins create for someone else", async () => {
    const t = await testWorkloads();
    await expect(
      t.workloads.create(alice, { name: "x", modules: [], owner: bob.userId }),
    ).rejects.toMatchObject({ reason: "not-allowed" });
    expect(
      (await t.workloads.create(admin, { name: "x", modules: [], owner: bob.userId })).ownerId,
    ).toBe(bob.userId);
  });

  it("creates for someone without access only when the admin says it is meant", async () => {
    const t = await testWorkloads();
    await expect(
      t.workloads.create(admin, { name: "x", modules: [], owner: 7777 }),
    ).rejects.toMatchObject({
      reason: "not-allowed",
      userMessage:
        "7777 has no access to voxnix: grant it first, or say that it is meant (--force).",
    });
    expect(t.store.containers.listAll()).toEqual([]);
    expect(
      (
        await t.workloads.create(
          admin,
          { name: "x", modules: [], owner: 7777 },
          { ownerWithoutAccess: true },
        )
      ).ownerId,
    ).toBe(7777);
  });

  it("lets exactly one of two concurrent creates of the same name win", async () => {
    const t = await testWorkloads();
    const results = await Promise.allSettled([
      t.workloads.create(alice, { name: "dev", modules: [] }),
      t.workloads.create(bob, { name: "dev", modules: [] }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(footprint(t).workspaces).toHaveLength(1);
  });
});

describe("create under failure", () => {
  /** The host commands of a successful create with tailscale, as fault targets. */
  const STEPS = [
    { command: "zfs list" },
    { command: "zfs create", nth: 1 },
    { command: "zfs create", nth: 2 },
    { command: "extra-container create", step: "before" },
    { command: "extra-container create", step: "install" },
  ] as const;

  it.each(STEPS)(
    "rolls back everything when $command (call $nth, step $step) fails",
    async (target) => {
      const t = await testWorkloads();
      t.host.injectFault({ ...target, action: "fail", stderr: "injected\n" });
      await expect(
        t.workloads.create(alice, { name: "dev", modules: ["tailscale"] }),
      ).rejects.toBeInstanceOf(HostCommandError);
      expect(footprint(t)).toEqual(EMPTY);
      expect(t.store.audit.recent({ target: "dev" })[0]).toMatchObject({ outcome: "failed" });
    },
  );

  it("rolls back when the build hangs past its deadline", async () => {
    const t = await testWorkloads();
    t.host.injectFault({ command: "extra-container create", action: "hang", spawnChild: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(
      t.workloads.create(alice, { name: "dev", modules: [] }, { signal: controller.signal }),
    ).rejects.toThrow(/aborted/);
    expect(footprint(t)).toEqual(EMPTY);
    expect(t.host.livePids()).toEqual([]);
  });

  it("keeps an installed container even when its state cannot be confirmed", async () => {
    const t = await testWorkloads();
    t.host.injectFault({ command: "machinectl show", action: "fail" });
    const result = await t.workloads.create(alice, { name: "dev", modules: [] });
    expect(result.state).toBe("stopped");
    expect(footprint(t)).toMatchObject({
      rows: ["dev:stopped"],
      installed: ["dev"],
      running: ["dev"],
    });
    expect(await t.workloads.reconcile()).toMatchObject({
      repaired: ["dev: state stopped → running"],
    });
  });

  it("keeps an installed container that failed to start, reported as stopped", async () => {
    const t = await testWorkloads();
    t.host.injectFault({ command: "extra-container create", step: "start", action: "fail" });
    const result = await t.workloads.create(alice, { name: "dev", modules: [] });
    expect(result).toMatchObject({
      name: "dev",
      state: "stopped",
      problem: expect.stringContaining("did not start"),
    });
    expect(footprint(t)).toEqual({
      ...EMPTY,
      rows: ["dev:stopped"],
      workspaces: ["tank/users/1001/containers/dev"],
      installed: ["dev"],
      specs: ["dev.json"],
    });
  });

  it("rolls back with plain directories too", async () => {
    const t = await testWorkloads({ storage: "dir" });
    t.host.injectFault({ command: "extra-container create", action: "fail" });
    await expect(t.workloads.create(alice, { name: "dev", modules: [] })).rejects.toBeInstanceOf(
      HostCommandError,
    );
    expect(readdirSync(join(t.stateDir, "workspaces/1001/containers"))).toEqual([]);
    expect(t.store.containers.countAll()).toBe(0);
  });
});
