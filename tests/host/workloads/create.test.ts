import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostCommandError } from "../../../src/host/index.js";
import { Refusal } from "../../../src/workloads/index.js";
import {
  alice,
  bob,
  admin,
  REPO_ROOT,
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
    files: t.host.containerFiles(),
    running: t.host.machines(),
    specs: staged("specs"),
    secrets: staged("secrets"),
  };
}

const EMPTY = {
  rows: [],
  workspaces: [],
  installed: [],
  files: [],
  running: [],
  specs: [],
  secrets: [],
};
/** What an installed container "dev" is on the host, file by file. */
const DEV_FILES = [
  "etc/nixos-containers/dev.conf",
  "etc/systemd-mutable/system/container@dev.service.d/voxnix.conf",
  "etc/systemd-mutable/system/machines.target.wants/container@dev.service",
  "nix/var/nix/gcroots/voxnix/containers/dev",
];

const systemsDir = (t: TestWorkloads) => join(t.host.root, "nix/var/nix/gcroots/voxnix/systems");
/** The one built-system root there is. */
function systemKey(t: TestWorkloads): string {
  const keys = readdirSync(systemsDir(t));
  expect(keys).toHaveLength(1);
  return keys[0] as string;
}
const confOf = (t: TestWorkloads, name: string) =>
  readFileSync(join(t.host.confDir, `${name}.conf`), "utf8");

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
      "chown 1879048192:1879048192 /tank/users/1001/containers/dev",
      "nix-instantiate --find-file nixpkgs",
      `nix-build --out-link ${systemsDir(t)}/${systemKey(t)} -E import ${REPO_ROOT}/nix/mk-container.nix { modules = (builtins.fromJSON (builtins.readFile ${specPath})).modules; }`,
      "systemctl daemon-reload",
      "nixos-container start dev",
      "machinectl show dev --property=State --no-pager",
    ]);
    expect(footprint(t)).toEqual({
      ...EMPTY,
      rows: ["dev:running"],
      workspaces: ["tank/users/1001/containers/dev"],
      installed: ["dev"],
      files: DEV_FILES,
      running: ["dev"],
      specs: ["dev.json"],
    });
    expect(t.store.audit.recent({ target: "dev" })[0]).toMatchObject({
      actor: "tg:1001",
      action: "create",
      outcome: "ok",
    });
  });

  it("builds a module set once: a second container with it runs no build and shares its system", async () => {
    const t = await testWorkloads({ settings: { buildDelayMs: 200 } });
    await t.workloads.create(alice, { name: "dev", modules: ["git", "fish"] });
    const before = t.host.calls().length;
    await t.workloads.create(bob, { name: "web", modules: ["fish", "git"] });
    const second = t.host.commandLines().slice(before);
    expect(second.filter((c) => c.startsWith("nix-build"))).toEqual([]);
    expect(second).toContain("nixos-container start web");
    const system = (name: string) => /^SYSTEM_PATH=(.*)$/m.exec(confOf(t, name))?.[1];
    expect(system("web")).toBe(system("dev"));
    expect(systemKey(t)).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);
  });

  it("builds again when nixpkgs changes, and drops the roots of systems from the old one", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: ["git"] });
    const old = systemKey(t);
    t.host.configure({ nixpkgs: "/nix/store/00000000000000000000000000000000-nixpkgs-25.05" });
    await t.workloads.create(alice, { name: "web", modules: ["git"] });
    expect(t.host.commandLines("nix-build")).toHaveLength(2);
    expect(systemKey(t)).not.toBe(old);
    // The first container keeps its own root: the old system stays until it is destroyed.
    expect(t.host.containerFiles()).toContain("nix/var/nix/gcroots/voxnix/containers/dev");
  });

  it("installs what nixpkgs' container@ template reads, and the unit's limits beside it", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, {
      name: "dev",
      modules: ["tailscale"],
      cpus: 0.5,
      memory: "3G",
    });
    const conf = confOf(t, "dev");
    expect(conf).toMatch(/^SYSTEM_PATH=\/.*-nixos-system-unnamed-25\.05$/m);
    expect(conf).toContain(
      `EXTRA_NSPAWN_FLAGS=" --bind=/dev/net/tun:/dev/net/tun --bind-ro=${join(t.stateDir, "secrets/dev/tailscale-auth-key")}:/run/voxnix/tailscale-auth-key --bind=/tank/users/1001/containers/dev:/workspace --private-users=1879048192:65536 --private-users-ownership=chown"`,
    );
    const dropIn = readFileSync(
      join(t.host.root, "etc/systemd-mutable/system/container@dev.service.d/voxnix.conf"),
      "utf8",
    );
    expect(dropIn).toContain(
      "CPUQuota=50%\nMemoryMax=3221225472\nTasksMax=4096\nDeviceAllow=/dev/net/tun rwm\n",
    );
    expect(dropIn).toContain(
      `RequiresMountsFor=/dev/net/tun ${join(t.stateDir, "secrets/dev/tailscale-auth-key")} /tank/users/1001/containers/dev\n`,
    );
    // The key's contents are in no file voxnix hands to systemd: only its path.
    expect(conf + dropIn).not.toContain(TAILSCALE_KEY);
  });

  it("allows /dev/net/tun to every container with a user range, tailscale or not", async () => {
    // systemd >= 256 fails the start when nspawn cannot make it under --private-users with a
    // private network, and container@.service's device policy is closed (container-files.ts).
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "plain", modules: [] });
    const dropIn = readFileSync(
      join(t.host.root, "etc/systemd-mutable/system/container@plain.service.d/voxnix.conf"),
      "utf8",
    );
    expect(dropIn).toContain("DeviceAllow=/dev/net/tun rwm\n");
    expect(confOf(t, "plain")).not.toContain("--bind=/dev/net/tun");
  });

  it("brings a container back from the trash with the limits it had", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [], cpus: 0.5, memory: "3G" });
    const before = t.store.containers.find("dev")?.spec.limits;
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    await t.workloads.restore(alice, { id: trashId as string });
    expect(t.store.containers.find("dev")?.spec.limits).toEqual(before);
  });

  it("gives each container a user range of its own, kept through trash and restore", async () => {
    const t = await testWorkloads();
    const base = (name: string) => t.store.containers.find(name)?.spec.privateUsers?.base;
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(bob, { name: "web", modules: [] });
    expect([base("dev"), base("web")]).toEqual([0x7000_0000, 0x7001_0000]);
    expect(t.host.owners()).toEqual({
      "/tank/users/1001/containers/dev": "1879048192:1879048192",
      "/tank/users/2002/containers/web": "1879113728:1879113728",
    });
    const { trashId } = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    // The trashed workspace still holds its range: a new container does not get it.
    await t.workloads.create(alice, { name: "new", modules: [] });
    expect(base("new")).toBe(0x7002_0000);
    await t.workloads.restore(alice, { id: trashId as string, name: "back" });
    expect(base("back")).toBe(0x7000_0000);
    expect(confOf(t, "back")).toContain("--private-users=1879048192:65536");
  });

  it("writes the spec the Nix side reads, with the workspace path and limits", async () => {
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
      privateUsers: { base: 1879048192 },
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
    ["a bad name", { name: "-dev_", modules: [] }, /: A container name is 1 to 11 characters/],
    [
      "a capitalised name",
      { name: "Dev", modules: [] },
      /: Container names are lowercase: try "dev"\.$/,
    ],
    [
      "a CPU count systemd cannot express",
      { name: "dev", modules: [], cpus: 0.104 },
      /: CPUs go in steps of 0\.01/,
    ],
    [
      "too few CPUs to boot",
      { name: "dev", modules: [], cpus: 0.05 },
      /: A container needs at least 0\.1 CPU\.$/,
    ],
    [
      "two problems, each a sentence",
      { name: "Dev", modules: [], memory: 1 },
      /: Container names are lowercase: try "dev"\. A container needs at least 64M of memory\.$/,
    ],
    ["too little memory", { name: "dev", modules: [], memory: 1 }, /at least 64M of memory/],
    ["a long name", { name: "averylongname", modules: [] }, /1 to 11 characters/],
    ["too many CPUs", { name: "dev", modules: [], cpus: 16 }, /At most 4 CPUs/],
    ["too much memory", { name: "dev", modules: [], memory: "64G" }, /At most 8G of memory/],
  ])("refuses %s and changes nothing", async (_, input, message) => {
    const t = await testWorkloads();
    await expect(t.workloads.create(alice, input)).rejects.toThrow(message);
    expect(footprint(t)).toEqual(EMPTY);
    expect(t.host.calls()).toEqual([]);
  });

  it("refuses tailscale when no auth key is configured, and does not offer it", async () => {
    const t = await testWorkloads({ tailscaleKey: null });
    expect(t.workloads.modules().map((m) => m.name)).toEqual([
      "devtools",
      "fish",
      "git",
      "workspace",
    ]);
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

describe("create's admission", () => {
  it("claims the name before anything is on the host, and holds it until run or release", async () => {
    const t = await testWorkloads();
    const admitted = t.workloads.admitCreate(alice, { name: "dev", modules: ["git"] });
    expect(footprint(t).rows).toEqual(["dev:creating"]);
    expect(t.host.commandLines()).toEqual([]);
    await expect(t.workloads.create(bob, { name: "dev", modules: [] })).rejects.toMatchObject({
      reason: "name-taken",
    });
    admitted.release();
    admitted.release(); // a second release changes nothing
    expect(footprint(t).rows).toEqual([]);
    expect(t.store.operations.listAll()).toEqual([]);
    await expect(admitted.run()).rejects.toThrow(/already released/);
    expect((await t.workloads.create(bob, { name: "dev", modules: [] })).ownerId).toBe(bob.userId);
  });

  it("refuses synchronously, counting admitted creates against the limits", async () => {
    const t = await testWorkloads({ limits: { maxContainersPerUser: 1 } });
    t.workloads.admitCreate(alice, { name: "dev", modules: [] });
    expect(() => t.workloads.admitCreate(alice, { name: "web", modules: [] })).toThrow(
      expect.objectContaining({ reason: "limit" }),
    );
    expect(() => t.workloads.admitCreate(alice, { name: "Web", modules: [] })).toThrow(Refusal);
  });

  it("names its progress message for a repair once it runs, and runs once", async () => {
    const t = await testWorkloads();
    const admitted = t.workloads.admitCreate(alice, { name: "dev", modules: [] });
    expect(t.store.operations.forContainer("dev")?.report).toBeUndefined();
    const running = admitted.run({ report: { chatId: 5, messageId: 9 } });
    expect(t.store.operations.forContainer("dev")?.report).toEqual({ chatId: 5, messageId: 9 });
    await expect(admitted.run()).rejects.toThrow(/already running/);
    admitted.release(); // too late to give up: nothing changes
    expect((await running).state).toBe("running");
    expect(footprint(t).rows).toEqual(["dev:running"]);
  });
});

describe("create under failure", () => {
  /** The host commands of a successful create with tailscale, as fault targets. */
  const STEPS = [
    { command: "zfs list" },
    { command: "zfs create", nth: 1 },
    { command: "zfs create", nth: 2 },
    { command: "nix-instantiate" },
    { command: "nix-build", step: "before" },
    { command: "nix-build", step: "output" },
    // Inside the install: the drop-in and the wants link are written, the conf is not.
    { command: "systemctl daemon-reload", nth: 1 },
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
    t.host.injectFault({ command: "nix-build", action: "hang", spawnChild: true });
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
      files: DEV_FILES,
      running: ["dev"],
    });
    expect(await t.workloads.reconcile()).toMatchObject({
      repaired: ["dev: state stopped → running"],
    });
  });

  it("keeps an installed container that failed to start, reported as stopped", async () => {
    const t = await testWorkloads();
    t.host.injectFault({ command: "nixos-container start", action: "fail" });
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
      files: DEV_FILES,
      specs: ["dev.json"],
    });
  });

  it("logs a failed build at warn with the command and Nix's error, for journalctl", async () => {
    const t = await testWorkloads();
    t.host.injectFault({
      command: "nix-build",
      action: "fail",
      stderr: "error: builder for '/nix/store/x-nixos-system.drv' failed with exit code 1\n",
    });
    await expect(t.workloads.create(alice, { name: "dev", modules: [] })).rejects.toThrow();
    const entry = t.logs.entries().find((e) => e.msg === "create failed; rolled back");
    expect(entry).toMatchObject({
      level: 40,
      container: "dev",
      err: { argv: expect.arrayContaining(["nix-build"]), exitCode: 1 },
    });
    expect(JSON.stringify(entry)).toContain("builder for '/nix/store/x-nixos-system.drv' failed");
  });

  it("rolls back with plain directories too", async () => {
    const t = await testWorkloads({ storage: "dir" });
    t.host.injectFault({ command: "nix-build", action: "fail" });
    await expect(t.workloads.create(alice, { name: "dev", modules: [] })).rejects.toBeInstanceOf(
      HostCommandError,
    );
    expect(readdirSync(join(t.stateDir, "workspaces/1001/containers"))).toEqual([]);
    expect(t.store.containers.countAll()).toBe(0);
  });
});

describe("create beside containers voxnix did not make", () => {
  it.each([
    ["an admin's own container (a conf of theirs)", "conf"],
    ["a declarative container (a conf linked into the store)", "link"],
    ["a state directory with no conf", "state"],
  ] as const)("refuses the name of %s, and leaves it alone", async (_, kind) => {
    const t = await testWorkloads();
    const conf = join(t.host.confDir, "dev.conf");
    const state = join(t.host.root, "var/lib/nixos-containers/dev");
    mkdirSync(t.host.confDir, { recursive: true });
    if (kind === "conf") writeFileSync(conf, "SYSTEM_PATH=/nix/store/x-admins-own\n");
    if (kind === "link") symlinkSync("/etc/static/nixos-containers/dev.conf", conf);
    if (kind === "state") mkdirSync(join(state, "etc"), { recursive: true });
    await expect(t.workloads.create(alice, { name: "dev", modules: [] })).rejects.toMatchObject({
      reason: "conflict",
      message: expect.stringContaining('A container named "dev" is on the host outside voxnix'),
    });
    expect(t.store.containers.countAll()).toBe(0);
    expect(t.host.commandLines().filter((c) => !c.startsWith("zfs list"))).toEqual([]);
    if (kind === "conf") expect(readFileSync(conf, "utf8")).toContain("admins-own");
    if (kind === "state") expect(existsSync(state)).toBe(true);
  });

  it("finishes an uninstall that a crash left half done, leaving no file and no state directory", async () => {
    const t = await testWorkloads();
    // What an install killed after its wants link, and a reboot that started the instance, leave.
    const unit = join(t.host.root, "etc/systemd-mutable/system");
    mkdirSync(join(unit, "container@dev.service.d"), { recursive: true });
    writeFileSync(join(unit, "container@dev.service.d/voxnix.conf.voxnix-new"), "[Unit]\n");
    mkdirSync(join(unit, "machines.target.wants"), { recursive: true });
    symlinkSync(
      "/etc/systemd/system/container@.service",
      join(unit, "machines.target.wants/container@dev.service"),
    );
    mkdirSync(join(t.host.root, "var/lib/nixos-containers/dev/etc"), { recursive: true });
    await t.deps.host.installer.uninstall("dev");
    expect(t.host.containerFiles()).toEqual([]);
    expect(existsSync(join(t.host.root, "var/lib/nixos-containers/dev"))).toBe(false);
  });

  it("will not uninstall a container voxnix did not install", async () => {
    const t = await testWorkloads();
    mkdirSync(t.host.confDir, { recursive: true });
    writeFileSync(join(t.host.confDir, "dev.conf"), "SYSTEM_PATH=/nix/store/x-admins-own\n");
    await expect(t.deps.host.installer.uninstall("dev")).rejects.toThrow(/is not voxnix's/);
    expect(t.host.installed()).toEqual(["dev"]);
    expect(t.deps.host.installer.isInstalled("dev")).toBe(false);
  });
});
