import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { eventually, isRunning } from "../../support/processes.js";
import { tempDir } from "../../support/temp-dir.js";

const MAKE = fileURLToPath(new URL("../../fakes/make-fake-host.mjs", import.meta.url));

// README's "try the CLI by hand" steps: the exports it prints work, and the server stops on kill.
describe("a fake host made by hand", () => {
  it("prints exports that put working fakes first on PATH, served until killed", async () => {
    const dir = join(tempDir(), "host");
    const made = await execa(process.execPath, [MAKE, dir]);
    const pid = Number(readFileSync(join(dir, "server.pid"), "utf8"));
    onTestFinished(() => {
      if (isRunning(pid)) process.kill(pid, "SIGKILL");
    });
    const path = /^export PATH=(.+):\$PATH$/m.exec(made.stdout)?.[1];
    expect(path).toBe(join(dir, "bin"));
    expect(made.stdout).toContain(`export VOXNIX_HOST_ROOT=${dir}/root`);
    expect(made.stdout).toContain("export VOXNIX_HOST_MOUNT_NAMESPACE=/proc/self/ns/mnt");
    expect(made.stdout).toContain("export VOXNIX_STORAGE=zfs ZFS_POOL=tank");

    const zfs = await execa("zfs", ["create", "tank/users"], {
      env: { PATH: `${path}:${process.env.PATH ?? ""}` },
    });
    expect(zfs.exitCode).toBe(0);
    const list = await execa(join(dir, "bin/zfs"), ["list", "-H", "-o", "name"]);
    expect(list.stdout).toBe("tank\ntank/users");

    // Made again in the same folder: the old server goes, and the pid file names the new one.
    await execa(process.execPath, [MAKE, dir]);
    const again = Number(readFileSync(join(dir, "server.pid"), "utf8"));
    onTestFinished(() => {
      if (isRunning(again)) process.kill(again, "SIGKILL");
    });
    expect(again).not.toBe(pid);
    expect(await eventually(() => !isRunning(pid), 5_000)).toBe(true);
    expect((await execa(join(dir, "bin/zfs"), ["list", "-H", "-o", "name"])).stdout).toBe("tank");

    process.kill(again, "SIGTERM");
    expect(await eventually(() => !isRunning(again), 5_000)).toBe(true);
    const gone = await execa(join(dir, "bin/zfs"), ["list"], { reject: false });
    expect(gone.exitCode).toBe(70);
    expect(gone.stderr).toContain("tool server");
  });
});
