// Mount propagation, for real: the daemon runs as systemd runs it (ProtectSystem= and friends
// give the unit a mount namespace of its own, with slave propagation), the fake zfs really
// mounts in its caller's namespace, and each container start checks from this process (the
// host's namespace) that its workspace is a mountpoint. See tests/fakes/lib/real-mounts.mjs.
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { chownSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost, type FakeHost } from "../fakes/fake-host.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv, voxnixCommand } from "../support/voxnix-process.js";

const isRoot = process.getuid?.() === 0;

/** A voxnix CLI verb in a new mount namespace with slave propagation, as a hardened unit runs. */
const inOwnNamespace = (env: Record<string, string>, args: string[]) =>
  execa("unshare", ["--mount", "--propagation", "slave", "--", ...voxnixCommand(args).flat()], {
    env,
    extendEnv: false,
    reject: false,
    cwd: tempDir(),
    timeout: 60_000,
  });

const mountPoints = () =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[4]);

/** The first host uid of a container's user range, from its conf's nspawn flags. */
const uidBaseOf = (host: FakeHost, name: string) =>
  Number(
    /--private-users=(\d+):/.exec(readFileSync(join(host.confDir, `${name}.conf`), "utf8"))?.[1],
  );

async function realHost(): Promise<FakeHost> {
  const host = await createFakeHost({ settings: { realMounts: true } });
  onTestFinished(() => host.cleanup());
  return host;
}

describe.skipIf(!isRoot)("workspace mounts (needs root: real mount namespaces)", () => {
  it("are made in the host's namespace, so containers see each workspace and its own files", async () => {
    const host = await realHost();
    const env = fakeHostEnv(host); // the host's namespace: this process's, the fakes' server's
    const created = await inOwnNamespace(env, ["create", "dev", "--as", "1001"]);
    expect(created.stdout).toContain("dev is running");
    expect(created.exitCode).toBe(0);

    const root = join(host.dir, "root");
    const workspace = join(root, "tank/users/1001/containers/dev");
    expect(mountPoints()).toContain(workspace);
    writeFileSync(join(workspace, "notes.md"), "the tenant's work\n");

    // Destroy and restore rename the dataset: its files move with it, still where containers look.
    const destroyed = await inOwnNamespace(env, ["destroy", "dev", "--yes"]);
    expect(destroyed.exitCode).toBe(0);
    const trashId = /in trash as (\S+)/.exec(destroyed.stdout)?.[1] ?? "";
    expect(readFileSync(join(root, `tank/users/1001/trash/${trashId}/notes.md`), "utf8")).toBe(
      "the tenant's work\n",
    );
    const restored = await inOwnNamespace(env, ["trash", "restore", trashId, "--as", "dev2"]);
    expect(restored.stdout).toContain("dev2 restored");
    expect(mountPoints()).toContain(join(root, "tank/users/1001/containers/dev2"));
    expect(readFileSync(join(root, "tank/users/1001/containers/dev2/notes.md"), "utf8")).toBe(
      "the tenant's work\n",
    );
  });

  it("let a fork, run in the daemon's own namespace, give its clone's files to the fork's range", async () => {
    const host = await realHost();
    const env = fakeHostEnv(host);
    const root = join(host.dir, "root");
    // As systemd makes / on a real host: shared, so that what zfs mounts in the host's namespace
    // appears in the daemon's (a slave of it) too. The test machine's / is private.
    execFileSync("mount", ["--bind", root, root]);
    execFileSync("mount", ["--make-rshared", root]);
    expect((await inOwnNamespace(env, ["create", "dev", "--as", "1001"])).exitCode).toBe(0);
    const source = join(root, "tank/users/1001/containers/dev");
    const base = uidBaseOf(host, "dev");
    // As the tenant left it: their files are their container's range's on the host.
    writeFileSync(join(source, "notes.md"), "the tenant's work\n");
    chownSync(source, base, base);
    chownSync(join(source, "notes.md"), base + 1000, base + 1000);

    const forked = await inOwnNamespace(env, ["fork", "dev", "dev2"]);
    expect(forked.stdout).toBe("dev2 forked from dev and running");
    const fork = join(root, "tank/users/1001/containers/dev2");
    expect(mountPoints()).toContain(fork);
    const forkBase = uidBaseOf(host, "dev2");
    expect(forkBase).not.toBe(base);
    expect(readFileSync(join(fork, "notes.md"), "utf8")).toBe("the tenant's work\n");
    expect(statSync(join(fork, "notes.md")).uid).toBe(forkBase + 1000);
    expect(statSync(fork).uid).toBe(forkBase);
    expect(statSync(join(source, "notes.md")).uid).toBe(base + 1000);
  });

  it("would exist only inside the daemon's namespace if zfs ran there (the design this replaces)", async () => {
    const host = await realHost();
    // The daemon's own namespace as "the host's": zfs runs where the daemon is, as it used to.
    const env = fakeHostEnv(host, { VOXNIX_HOST_MOUNT_NAMESPACE: "/proc/self/ns/mnt" });
    const created = await inOwnNamespace(env, ["create", "dev", "--as", "1001"]);
    // The container could not see its workspace, so its start failed (a real host would bind the
    // bare directory and say nothing).
    expect(created.stdout).toContain("dev is installed but stopped");
    const workspace = join(host.dir, "root/tank/users/1001/containers/dev");
    expect(mountPoints()).not.toContain(workspace);
  });
});
