// The one way into a container, for real: the daemon's adapter (systemd-run --machine) into a
// container booted by systemd-nspawn with voxnix's flags, whose PID 1 is systemd and whose
// /etc, /root and PAM files are a tenant's, with marker commands planted in each.
import { execa } from "execa";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunner, hostToolEnvironment, UID_RANGE } from "../../src/host/index.js";
import { containerExec } from "../../src/host/container-exec.js";
import { HostCommandError } from "../../src/host/errors.js";
import { bootContainer, cannotBoot, type BootedContainer } from "../support/booted-container.js";
import { captureLog } from "../support/capture-log.js";

const SKIP = cannotBoot();
const BASE = 0x7000_0000;
const MARKERS = "var/lib/voxnix-markers";

/** A line that records, inside the container, that a tenant's file was read and run. */
const marker = (name: string) => `touch /${MARKERS}/${name}\n`;

/** A tenant's files: every one a login (su -l, a login shell) would read runs a marker. */
function plantTenantFiles(root: string) {
  mkdirSync(join(root, MARKERS), { recursive: true });
  mkdirSync(join(root, "etc/pam.d"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
  writeFileSync(join(root, "etc/profile"), marker("etc-profile"));
  writeFileSync(join(root, "etc/bash.bashrc"), marker("etc-bashrc"));
  writeFileSync(join(root, "root/.profile"), marker("root-profile"));
  writeFileSync(join(root, "root/.bashrc"), marker("root-bashrc"));
  writeFileSync(join(root, "etc/voxnix-pam-marker"), `#!/bin/sh\n${marker("pam-su")}`, {
    mode: 0o755,
  });
  writeFileSync(
    join(root, "etc/pam.d/su"),
    [
      "auth sufficient pam_rootok.so",
      "account required pam_permit.so",
      "password required pam_permit.so",
      "session required pam_permit.so",
      "session optional pam_exec.so /etc/voxnix-pam-marker",
      "",
    ].join("\n"),
  );
}

const markersRun = (root: string) => readdirSync(join(root, MARKERS)).sort();

/** voxnix's user-namespace flags for a container with a user range at BASE (containerConf's). */
const voxnixFlags = () => [
  `--private-users=${BASE}:${UID_RANGE}`,
  "--private-users-ownership=chown",
];

describe.skipIf(SKIP !== undefined)(
  `commands inside a container, through its own systemd (${SKIP ?? "as root, with systemd-nspawn, systemd-run and dbus"})`,
  () => {
    let container: BootedContainer;
    let inside: ReturnType<typeof containerExec>;

    beforeAll(async () => {
      container = await bootContainer("vx", voxnixFlags(), plantTenantFiles);
      const runner = createRunner({
        log: captureLog().log,
        env: { ...hostToolEnvironment(process.env), PATH: container.path },
      });
      inside = containerExec(runner);
      // Ready once its systemd answers on its bus (until then: "No such file or directory").
      let ready = false;
      for (const deadline = Date.now() + 60_000; !ready && Date.now() < deadline;)
        ready = await inside.run("vx", ["/usr/bin/true"]).then(
          () => true,
          () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
        );
      if (!ready) throw new Error("the container's systemd never answered");
    }, 90_000);

    afterAll(async () => {
      await container?.stop();
    }, 30_000);

    it("runs as the container's root in its user namespace, with the container's capabilities", async () => {
      const uidMap = (await inside.run("vx", ["/usr/bin/cat", "/proc/self/uid_map"])).stdout;
      expect(uidMap.trim().split(/\s+/)).toEqual(["0", String(BASE), "65536"]);
      const status = (await inside.run("vx", ["/usr/bin/cat", "/proc/self/status"])).stdout;
      const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(status)?.[1]}`);
      // No CAP_SYS_MODULE (16), CAP_SYS_RAWIO (17), CAP_SYS_TIME (25): nspawn's bounding set.
      for (const bit of [16n, 17n, 25n]) expect(capEff & (1n << bit)).toBe(0n);
      // In the container's cgroup, not the caller's.
      const cgroup = (await inside.run("vx", ["/usr/bin/cat", "/proc/self/cgroup"])).stdout;
      expect(cgroup).toMatch(/voxnix-exec-[0-9a-f]{12}\.service/);
    });

    it("where nixos-container run's nsenter (no user namespace) would run as the host's root", async () => {
      // nixos-container.pl's runInContainer, without its `su -l`: what this adapter replaces.
      const old = await execa("nsenter", [
        ...["-t", String(container.leader), "-m", "-u", "-i", "-n", "-p"],
        "--",
        "/usr/bin/cat",
        "/proc/self/uid_map",
      ]);
      expect(old.stdout.trim().split(/\s+/)).toEqual(["0", "0", "4294967295"]);
    });

    it("cannot write the host's kernel settings", async () => {
      const before = readFileSync("/proc/sys/kernel/core_pattern", "utf8");
      const write = inside.run("vx", [
        "/usr/bin/sh",
        "-c",
        "echo '|/bin/voxnix-pwned' > /proc/sys/kernel/core_pattern",
      ]);
      await expect(write).rejects.toThrow(HostCommandError);
      expect(readFileSync("/proc/sys/kernel/core_pattern", "utf8")).toBe(before);
    });

    it("reads none of the tenant's login files on the way in", async () => {
      await inside.run("vx", ["/usr/bin/id"]);
      await inside.run("vx", ["/usr/bin/sh", "-c", "echo in a shell"]);
      expect(markersRun(container.root)).toEqual([]);
      // The markers are armed: a login shell, as `su -l` starts one, runs the tenant's files.
      await inside.run("vx", ["/usr/bin/bash", "-lc", "true"]);
      expect(markersRun(container.root)).toEqual(["etc-profile", "root-profile"]);
    });

    it("passes arguments as they are: no shell, no expansion, none of the daemon's environment", async () => {
      const echoed = await inside.run("vx", ["/usr/bin/printf", "%s|", "$HOME", "a b", "${PATH}"]);
      expect(echoed.stdout).toBe("$HOME|a b|${PATH}|");
      const env = (await inside.run("vx", ["/usr/bin/env"])).stdout;
      expect(env).not.toMatch(/VOXNIX_HOLDER|NIX_PATH|^HOME=/m);
    });

    it("fails with the command's own exit code and words, and for a program that is not there", async () => {
      const failed = await inside
        .run("vx", ["/usr/bin/sh", "-c", "echo why >&2; exit 3"])
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(HostCommandError);
      expect((failed as HostCommandError).exitCode).toBe(3);
      expect((failed as HostCommandError).stderrTail).toContain("why");
      const missing = await inside
        .run("vx", ["/nix/store/00000000000000000000000000000000-gone/bin/tailscale", "status"])
        .catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(HostCommandError);
      expect((missing as HostCommandError).exitCode).not.toBe(0);
    });

    it("counts a command killed by SIGTERM as not finished, though systemd-run exits 0", async () => {
      const killed = await inside
        .run("vx", ["/usr/bin/sh", "-c", "kill -TERM $$"])
        .catch((error: unknown) => error);
      expect(killed).toBeInstanceOf(HostCommandError);
      expect(String((killed as Error).message)).toContain("code=killed");
    });

    it("refuses a program by name, which the tenant's PATH would choose", async () => {
      await expect(inside.run("vx", ["tailscale", "logout"])).rejects.toThrow(
        "a program by absolute path only",
      );
      await expect(inside.run("vx", ["/usr/../usr/bin/id"])).rejects.toThrow(
        "a program by absolute path only",
      );
    });

    it("ends when the command does, though the tenant leaves a process holding its output", async () => {
      // Root in the container can add a drop-in to every unit voxnix starts there.
      const dropIn = join(container.root, "etc/systemd/system/voxnix-exec-.service.d");
      mkdirSync(dropIn, { recursive: true });
      writeFileSync(
        join(dropIn, "hold.conf"),
        "[Service]\nKillMode=none\nExecStartPost=/bin/sh -c 'sleep 600 &'\n",
      );
      await inside.run("vx", ["/usr/bin/systemctl", "daemon-reload"]);
      try {
        const held = await inside.run("vx", ["/usr/bin/echo", "done"], 10_000);
        expect(held.stdout).toBe("done\n");
      } finally {
        rmSync(dropIn, { recursive: true, force: true });
        await inside.run("vx", [
          "/usr/bin/sh",
          "-c",
          "systemctl daemon-reload; pkill -x sleep; true",
        ]);
      }
    }, 60_000);

    it("tells a container that is not running from a failed command", async () => {
      const ghost = await inside.run("ghost", ["/usr/bin/true"]).catch((error: unknown) => error);
      expect(ghost).toBeInstanceOf(HostCommandError);
      expect((ghost as HostCommandError).stderrTail).toMatch(/Host is down/);
    });
  },
);
