import { describe, expect, it } from "vitest";
import { fakeHostShell } from "../../support/fake-host-runner.js";

const G = 1024 ** 3;

describe("fake zfs", () => {
  it("lists an existing dataset and refuses a missing one like OpenZFS", async () => {
    const { sh } = await fakeHostShell();
    expect(await sh("zfs", "list", "-H", "-o", "name", "tank")).toEqual({
      exitCode: 0,
      stdout: "tank\n",
      stderr: "",
    });
    expect(await sh("zfs", "list", "-H", "-o", "name", "tank/nope")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "cannot open 'tank/nope': dataset does not exist\n",
    });
  });

  it("creates with -p and -o, refuses an existing name and a missing parent", async () => {
    const { sh, host } = await fakeHostShell();
    expect((await sh("zfs", "create", "tank/users/1001")).stderr).toBe(
      "cannot create 'tank/users/1001': parent does not exist\n",
    );
    expect(host.datasets()).toEqual(["tank"]);
    const created = await sh(
      "zfs",
      "create",
      "-p",
      "-o",
      "quota=10G",
      "-o",
      "mountpoint=/tank/users/1001",
      "tank/users/1001",
    );
    expect(created.exitCode).toBe(0);
    expect(host.datasets()).toEqual(["tank", "tank/users", "tank/users/1001"]);
    expect(host.dataset("tank/users/1001")?.props).toEqual({
      quota: 10 * G,
      mountpoint: "/tank/users/1001",
    });
    expect(await sh("zfs", "create", "tank/users/1001")).toMatchObject({
      exitCode: 1,
      stderr: "cannot create 'tank/users/1001': dataset already exists\n",
    });
  });

  it("prints quota, used and available as tab-separated raw bytes in the requested order", async () => {
    const { sh, host } = await fakeHostShell();
    await sh("zfs", "create", "-p", "-o", "quota=10G", "tank/users/1001");
    await sh("zfs", "create", "tank/users/1001/dev");
    host.setUsed("tank/users/1001/dev", 3 * G);
    const { stdout } = await sh(
      "zfs",
      "get",
      "-Hp",
      "-o",
      "property,value",
      "quota,used,available",
      "tank/users/1001",
    );
    expect(stdout).toBe(`quota\t${10 * G}\nused\t${3 * G}\navailable\t${7 * G}\n`);
  });

  it("prints an unset quota as 0 with -p and none without", async () => {
    const { sh } = await fakeHostShell();
    expect((await sh("zfs", "get", "-Hp", "-o", "value", "quota", "tank")).stdout).toBe("0\n");
    expect((await sh("zfs", "get", "-H", "-o", "value", "quota", "tank")).stdout).toBe("none\n");
    await sh("zfs", "set", "quota=5G", "tank");
    expect((await sh("zfs", "get", "-H", "-o", "value", "quota", "tank")).stdout).toBe("5G\n");
    await sh("zfs", "set", "quota=none", "tank");
    expect((await sh("zfs", "get", "-Hp", "-o", "value", "quota", "tank")).stdout).toBe("0\n");
  });

  it("refuses a quota that is not a size", async () => {
    const { sh, host } = await fakeHostShell();
    expect(await sh("zfs", "set", "quota=lots", "tank")).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining("bad numeric value 'lots'"),
    });
    expect(host.dataset("tank")?.props).toEqual({});
  });

  it("keeps user properties as host-side metadata, '-' when unset, inherited by children", async () => {
    const { sh } = await fakeHostShell();
    expect((await sh("zfs", "get", "-H", "-o", "value", "voxnix:owner", "tank")).stdout).toBe(
      "-\n",
    );
    await sh("zfs", "create", "-p", "tank/users/1001/dev");
    await sh("zfs", "set", "voxnix:owner=1001", "tank/users/1001");
    expect(
      (await sh("zfs", "get", "-H", "-o", "value", "voxnix:owner", "tank/users/1001/dev")).stdout,
    ).toBe("1001\n");
    expect((await sh("zfs", "get", "-H", "voxnix:owner", "tank/users/1001/dev")).stdout).toBe(
      "tank/users/1001/dev\tvoxnix:owner\t1001\tinherited from tank/users/1001\n",
    );
  });

  it("reports mounted and mounts, refusing to mount twice", async () => {
    const { sh } = await fakeHostShell();
    await sh("zfs", "create", "tank/w");
    await sh("zfs", "unmount", "tank/w");
    expect((await sh("zfs", "get", "-H", "-o", "value", "mounted", "tank/w")).stdout).toBe("no\n");
    expect((await sh("zfs", "mount", "tank/w")).exitCode).toBe(0);
    expect((await sh("zfs", "get", "-H", "-o", "value", "mounted", "tank/w")).stdout).toBe("yes\n");
    expect(await sh("zfs", "mount", "tank/w")).toMatchObject({
      exitCode: 1,
      stderr: "cannot mount 'tank/w': filesystem already mounted\n",
    });
  });

  it("derives mountpoints from the parent unless set explicitly", async () => {
    const { sh } = await fakeHostShell();
    await sh("zfs", "create", "-p", "-o", "mountpoint=/srv/voxnix", "tank/voxnix");
    await sh("zfs", "create", "-p", "tank/voxnix/users/1001");
    expect(
      (await sh("zfs", "get", "-H", "-o", "value", "mountpoint", "tank/voxnix/users/1001")).stdout,
    ).toBe("/srv/voxnix/users/1001\n");
  });

  it("snapshots, renames with descendants, clones and lists snapshots", async () => {
    const { sh, host } = await fakeHostShell();
    await sh("zfs", "create", "-p", "tank/users/1/dev");
    await sh("zfs", "snapshot", "tank/users/1/dev@trash-1");
    expect(await sh("zfs", "snapshot", "tank/users/1/dev@trash-1")).toMatchObject({
      exitCode: 1,
      stderr: "cannot create snapshot 'tank/users/1/dev@trash-1': dataset already exists\n",
    });
    await sh("zfs", "create", "tank/users/1/trash");
    expect(
      (await sh("zfs", "rename", "tank/users/1/dev", "tank/users/1/trash/dev-1")).exitCode,
    ).toBe(0);
    expect(host.snapshots()).toEqual(["tank/users/1/trash/dev-1@trash-1"]);
    expect(
      await sh("zfs", "rename", "tank/users/1/trash/dev-1", "tank/users/1/trash"),
    ).toMatchObject({
      exitCode: 1,
      stderr: "cannot rename to 'tank/users/1/trash': dataset already exists\n",
    });
    expect(
      (await sh("zfs", "clone", "tank/users/1/trash/dev-1@trash-1", "tank/users/1/dev2")).exitCode,
    ).toBe(0);
    const listed = await sh(
      "zfs",
      "list",
      "-H",
      "-p",
      "-t",
      "snapshot",
      "-o",
      "name,creation,used",
      "-r",
      "tank/users/1",
    );
    expect(listed.stdout).toMatch(/^tank\/users\/1\/trash\/dev-1@trash-1\t\d{10}\t0\n$/);
  });

  it("refuses a promote whose clone has a snapshot named like one that moves; renames a snapshot", async () => {
    const { sh, host } = await fakeHostShell();
    await sh("zfs", "create", "-p", "tank/users/1/dev");
    await sh("zfs", "snapshot", "tank/users/1/dev@v1");
    await sh("zfs", "snapshot", "tank/users/1/dev@v2");
    await sh("zfs", "clone", "tank/users/1/dev@v2", "tank/users/1/fork");
    await sh("zfs", "snapshot", "tank/users/1/fork@v1");
    await sh("zfs", "snapshot", "tank/users/1/fork@v2");
    // OpenZFS names the newest that clashes, and the clone's origin (libzfs zfs_promote).
    expect(await sh("zfs", "promote", "tank/users/1/fork")).toMatchObject({
      exitCode: 1,
      stderr:
        "cannot promote 'tank/users/1/fork': conflicting snapshot 'v2' from parent 'tank/users/1/dev@v2'\n",
    });
    expect(await sh("zfs", "rename", "tank/users/1/dev@v2", "tank/users/1/fork@v3")).toMatchObject({
      exitCode: 1,
      stderr: "cannot rename to 'tank/users/1/fork@v3': snapshots must be part of same dataset\n",
    });
    expect(await sh("zfs", "rename", "tank/users/1/dev@v2", "tank/users/1/dev@v1")).toMatchObject({
      exitCode: 1,
      stderr: "cannot rename to 'tank/users/1/dev@v1': dataset already exists\n",
    });
    for (const [from, to] of [
      ["tank/users/1/dev@v2", "tank/users/1/dev@v2.dev"],
      ["tank/users/1/dev@v1", "v1.dev"],
    ] as const)
      expect((await sh("zfs", "rename", from, to)).exitCode).toBe(0);
    expect(host.dataset("tank/users/1/fork")?.origin).toBe("tank/users/1/dev@v2.dev");
    expect((await sh("zfs", "promote", "tank/users/1/fork")).exitCode).toBe(0);
    expect(host.snapshots()).toEqual([
      "tank/users/1/fork@v1",
      "tank/users/1/fork@v1.dev",
      "tank/users/1/fork@v2",
      "tank/users/1/fork@v2.dev",
    ]);
    expect(host.dataset("tank/users/1/dev")?.origin).toBe("tank/users/1/fork@v2.dev");
  });

  it("destroys only with -r when there are children, and fails on a missing dataset", async () => {
    const { sh, host } = await fakeHostShell();
    await sh("zfs", "create", "-p", "tank/users/1/dev");
    await sh("zfs", "snapshot", "tank/users/1/dev@s");
    const refused = await sh("zfs", "destroy", "tank/users/1");
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      "cannot destroy 'tank/users/1': filesystem has children\nuse '-r' to destroy the following datasets:\ntank/users/1/dev\ntank/users/1/dev@s\n",
    );
    expect((await sh("zfs", "destroy", "-r", "tank/users/1")).exitCode).toBe(0);
    expect(host.datasets()).toEqual(["tank", "tank/users"]);
    expect(host.snapshots()).toEqual([]);
    expect(await sh("zfs", "destroy", "-r", "tank/users/1")).toMatchObject({
      exitCode: 1,
      stderr: "cannot open 'tank/users/1': dataset does not exist\n",
    });
  });

  it("limits available space by the nearest quota and the pool", async () => {
    const { sh, host } = await fakeHostShell({ settings: { poolFreeBytes: 50 * G } });
    await sh("zfs", "create", "-p", "-o", "quota=10G", "tank/users/1");
    await sh("zfs", "create", "tank/users/1/a");
    host.setUsed("tank/users/1/a", 4 * G);
    expect(
      (await sh("zfs", "get", "-Hp", "-o", "value", "available", "tank/users/1/a")).stdout,
    ).toBe(`${6 * G}\n`);
    expect((await sh("zfs", "get", "-Hp", "-o", "value", "available", "tank")).stdout).toBe(
      `${46 * G}\n`,
    );
  });
});

describe("fake zpool", () => {
  it("lists health, size and free space as tab-separated raw values", async () => {
    const { sh, host } = await fakeHostShell({ settings: { poolFreeBytes: 100 * G } });
    await sh("zfs", "create", "tank/a");
    host.setUsed("tank/a", 30 * G);
    expect(await sh("zpool", "list", "-H", "-p", "-o", "health,size,free", "tank")).toEqual({
      exitCode: 0,
      stdout: `ONLINE\t${100 * G}\t${70 * G}\n`,
      stderr: "",
    });
    expect(await sh("zpool", "list", "-H", "-p", "-o", "health", "nope")).toMatchObject({
      exitCode: 1,
      stderr: "cannot open 'nope': no such pool\n",
    });
  });
});
