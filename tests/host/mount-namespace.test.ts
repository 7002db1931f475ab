// Mount propagation, for real: the daemon runs as systemd runs it (ProtectSystem= and friends
// give the unit a mount namespace of its own, with slave propagation), the fake zfs really
// mounts in its caller's namespace, and each container start checks from this process (the
// host's namespace) that its workspace is a mountpoint. See tests/fakes/lib/real-mounts.mjs.
import { execa } from "execa";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { createFakeHost, type FakeHost } from "../fakes/fake-host.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeHostEnv } from "../support/voxnix-process.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const isRoot = process.getuid?.() === 0;

/** A voxnix CLI verb in a new mount namespace with slave propagation, as a hardened unit runs. */
const inOwnNamespace = (env: Record<string, string>, args: string[]) =>
  execa(
    "unshare",
    [
      "--mount",
      "--propagation",
      "slave",
      "--",
      process.execPath,
      "--import",
      import.meta.resolve("tsx"),
      MAIN,
      ...args,
    ],
    { env, extendEnv: false, reject: false, cwd: tempDir(), timeout: 60_000 },
  );

const mountPoints = () =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[4]);

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
