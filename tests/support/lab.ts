// The lab (docs/operations.md, "The lab"): a Debian trixie userland with systemd 257 as PID 1,
// booted by this machine's systemd-nspawn as a privileged container with a network of its own,
// in which voxnix's host side meets the real systemd, systemd-nspawn, machined, machinectl,
// journalctl and nft. Its image is built once by tests/lab/build-image.sh (`.ci/run` runs it);
// each lab boots an overlay of it, so a lab's changes (containers installed, their state, a
// reboot's) are its own and go with it.
//
// What each lab gets beside the image, written into its overlay before it boots:
// - its init (tests/lab/files/lab-init): writable device, CPU, memory and pids hierarchies for
//   its systemd (nspawn mounts them read-only), then systemd;
// - the container@.service template stand-in and its scripts (tests/lab/files), in the unit
//   and store paths a NixOS host has them;
// - the tenants' stand-in system, /nix/store/…lab-tenant-system: an init that boots systemd
//   from the lab's /usr (read-only), and sw/bin links a test runs through the way in.
// - this repository, read-only at its own path, and this machine's node at /usr/local/bin/node:
//   the daemon's bundle runs inside the lab as a unit.
//
// The lab runs in cgroups made for it under the test's own, in every controller it writes
// (tests never touch cgroups outside their own subtree), and its cgroup namespace (nspawn
// makes one) shows it only those. Commands run in the lab through `nsenter` into all its
// namespaces, with a clean environment.
import { execa } from "execa";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  containerDropIn,
  FIRST_UID_BASE,
  UID_RANGE,
  type ContainerInstall,
} from "../../src/host/container-files.js";
import { containerInstaller } from "../../src/host/container-install.js";
import { locateOnPath } from "../../src/host/locate.js";
import type { Argv, CommandResult, RunOptions, Runner } from "../../src/host/run.js";
import { HostCommandError } from "../../src/host/errors.js";
import { childNamed, eventually } from "./processes.js";
import { REPO_ROOT } from "./test-workloads.js";

const FILES = join(REPO_ROOT, "tests/lab/files");
const BUILD_SCRIPT = "tests/lab/build-image.sh";
/** The lab's PATH: Debian's. */
export const LAB_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Store paths of the lab's stand-ins (made-up hashes: the lab has no Nix). */
export const STORE = {
  busybox: "/nix/store/00000000000000000000000000lab-busybox",
  container: "/nix/store/00000000000000000000000000lab-container",
  usr: "/nix/store/00000000000000000000000000lab-usr",
  // The systems nix-build gives voxnix have a hash of 32 characters, as Nix's do: the daemon
  // takes nothing else for an out path (src/host/container-systems.ts).
  tenantSystem: "/nix/store/00000000000000000000000000000lab-tenant-system",
  // What NIX_PATH's nixpkgs names in voxnix.service (tests/lab/files).
  nixpkgs: "/nix/store/00000000000000000000000000000lab-nixpkgs",
} as const;

/** Where the image for the current build script is (built or not): .lab/image-KEY. */
export function labImagePath(): string {
  const key = createHash("sha256")
    .update(readFileSync(join(REPO_ROOT, BUILD_SCRIPT)))
    .digest("hex")
    .slice(0, 16);
  return join(REPO_ROOT, ".lab", `image-${key}`);
}

/** Why the lab cannot run here, or undefined when it can. */
export function cannotRunLab(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root";
  const path = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`;
  for (const [tool, from] of [
    ["systemd-nspawn", "systemd-container"],
    ["nsenter", "util-linux"],
    ["mount", "mount"],
  ] as const)
    if (!locateOnPath(tool, path)) return `needs ${tool} (${from})`;
  // Its init and cgroups are made for a v1 hybrid host like this development machine (see the
  // header); on a cgroup v2 host (nspawn delegates a v2 subtree there) it has not been tried.
  if (!existsSync("/sys/fs/cgroup/unified/cgroup.procs"))
    return "needs a cgroup v1 hybrid host (cgroup v2 hosts are not tried yet)";
  if (!existsSync(join(labImagePath(), ".complete")))
    return `needs the lab image: run bash ${BUILD_SCRIPT} as root (.ci/run does)`;
  return undefined;
}

export interface LabRunOptions {
  readonly timeoutMs?: number;
  /** Resolve with a non-zero exit too (the default rejects, with the output in the error). */
  readonly allowFailure?: boolean;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface LabResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Lab {
  readonly name: string;
  /** The lab's root directory as this machine sees it (its overlay, writable). */
  readonly root: string;
  /** The lab's systemd, as this machine sees it. */
  leader(): number;
  /** Runs `argv` in the lab, as its root, in all its namespaces. */
  run(argv: readonly string[], options?: LabRunOptions): Promise<LabResult>;
  /** A voxnix Runner whose commands run in the lab (for src/host's adapters). */
  readonly runner: Runner;
  /** The lab's file `path` (absolute in the lab), on this machine. */
  path(inLab: string): string;
  /** The lab's systemd reboots it (`systemctl reboot`); resolves once it is up again. */
  reboot(): Promise<void>;
  /** Powers the lab off and removes it. */
  dispose(): Promise<void>;
  /** The lab's console output so far (its systemd's boot messages), for failure messages. */
  console(): string;
}

interface OwnCgroup {
  readonly dir: string;
}

/**
 * Cgroups for lab `tag` under this process's own, in the hierarchies the lab writes (the v1
 * controllers its init remounts, name=systemd, and the unified one).
 */
function labCgroups(tag: string): OwnCgroup[] {
  const dirs: OwnCgroup[] = [];
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [, controllers, path] = line.split(":") as [string, string, string];
    let mount: string;
    if (controllers === "") mount = "/sys/fs/cgroup/unified";
    else if (controllers === "name=systemd") mount = "/sys/fs/cgroup/systemd";
    else if (["cpu", "cpuacct", "memory", "pids", "devices"].includes(controllers))
      mount = `/sys/fs/cgroup/${controllers}`;
    else continue;
    if (!existsSync(join(mount, "cgroup.procs"))) continue;
    const dir = join(mount, path, `voxnix-lab-${tag}`);
    mkdirSync(dir, { recursive: true });
    dirs.push({ dir });
  }
  return dirs;
}

/** Removes a cgroup tree once its processes are gone (empty cgroups only, deepest first). */
function removeCgroup(dir: string) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // still busy: a process of the lab outlived it (reported by the caller's checks)
  }
}

/**
 * What Debian's systemd would start at every boot, in a lab and in each of its tenants, that a
 * NixOS host has no counterpart of and no lab test looks at: first-boot upkeep of /usr and /etc
 * (a tenant's root is fresh at every start, so each of its boots is a first one), kernel modules,
 * debug and huge-page file systems, login prompts, and the generators of what neither has (SysV
 * scripts, TPMs, hibernation, GPT auto-mounts, kernel command-line units, sshd sockets), which
 * would run again at every daemon-reload: voxnix reloads on each install. Masked in the lab's
 * overlay here, and by the tenant's init (tests/lab/files/tenant-init.sh) from the list written
 * into the stand-in system. Measured: a lab boot 2.3 → 1.1 s of CPU, a tenant start 1.7 → 1.1 s.
 */
const MASKED = [
  ...[
    "ldconfig.service",
    "systemd-journal-catalog-update.service",
    "systemd-update-done.service",
    "systemd-user-sessions.service",
    "systemd-remount-fs.service",
    "systemd-tmpfiles-setup-dev-early.service",
    "systemd-modules-load.service",
    "modprobe@.service",
    "console-getty.service",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "dev-hugepages.mount",
  ].map((unit) => `system/${unit}`),
  ...[
    "debug",
    "getty",
    "gpt-auto",
    "hibernate-resume",
    "import",
    "rc-local",
    "run",
    "ssh",
    "system-update",
    "sysv",
    "tpm2",
  ].map((name) => `system-generators/systemd-${name}-generator`),
];

/** Writes what every lab has beside its image (see the header) into `root`. */
function writeLabFiles(root: string) {
  const put = (path: string, content: string | Buffer, mode = 0o644) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { mode });
    chmodSync(join(root, path), mode);
  };
  const file = (name: string) => readFileSync(join(FILES, name));
  put("/usr/local/sbin/lab-init", file("lab-init"), 0o755);
  for (const path of MASKED) {
    const link = join(root, "/etc/systemd", path);
    mkdirSync(dirname(link), { recursive: true });
    // The image masks console-getty itself.
    if (!existsSync(link)) symlinkSync("/dev/null", link);
  }
  put("/etc/systemd/system/container@.service", file("container@.service"));
  for (const script of ["pre-start", "start", "post-start", "init"])
    put(`${STORE.container}/${script}`, file(`container-${script}.sh`), 0o755);
  mkdirSync(join(root, STORE.busybox, "bin"), { recursive: true });
  copyFileSync(join(root, "/usr/bin/busybox"), join(root, STORE.busybox, "bin/busybox"));
  chmodSync(join(root, STORE.busybox, "bin/busybox"), 0o755);
  for (const applet of ["sh", "ip", "mkdir", "mount", "ln", "cat"])
    symlinkSync("busybox", join(root, STORE.busybox, "bin", applet));
  mkdirSync(join(root, STORE.usr), { recursive: true });
  put(`${STORE.tenantSystem}/init`, file("tenant-init.sh"), 0o755);
  put(`${STORE.tenantSystem}/masked`, `${MASKED.join("\n")}\n`);
  mkdirSync(join(root, STORE.tenantSystem, "sw/bin"), { recursive: true });
  for (const tool of ["journalctl", "cat", "id", "sh", "sleep", "tail", "timeout", "python3"])
    symlinkSync(`/usr/bin/${tool}`, join(root, STORE.tenantSystem, "sw/bin", tool));
  symlinkSync("/usr/sbin/ip", join(root, STORE.tenantSystem, "sw/bin/ip"));
  symlinkSync("/usr/bin/ping", join(root, STORE.tenantSystem, "sw/bin/ping"));
  // What a hostile tenant sends (tests/lab/tenant-network.test.ts), where a tenant can run it.
  copyFileSync(
    join(REPO_ROOT, "tests/support/packets.py"),
    join(root, STORE.tenantSystem, "packets.py"),
  );
  // The template binds these into every container.
  for (const dir of ["/nix/var/nix/db", "/nix/var/nix/daemon-socket", "/nix/var/nix/gcroots"])
    mkdirSync(join(root, dir), { recursive: true });
  put("/etc/resolv.conf", "nameserver 127.0.0.53\n");
  mkdirSync(join(root, "/usr/local/bin"), { recursive: true });
  writeFileSync(join(root, "/usr/local/bin/node"), "");
}

const sh = (argv: readonly string[], timeoutMs = 30_000) =>
  execa(argv[0] as string, argv.slice(1), { timeout: timeoutMs, reject: false });

/**
 * Boots lab `name` from the image (cannotRunLab() must be undefined) and waits until its
 * systemd has finished booting.
 */
export async function bootLab(name: string): Promise<Lab> {
  const image = labImagePath();
  const scratch = mkdtempSync(join(tmpdir(), `voxnix-lab-${name}-`));
  const [upper, work, root] = ["upper", "work", "root"].map((d) => join(scratch, d)) as [
    string,
    string,
    string,
  ];
  for (const dir of [upper, work, root]) mkdirSync(dir);
  const mounted = await sh([
    "mount",
    "-t",
    "overlay",
    "overlay",
    "-o",
    `lowerdir=${image},upperdir=${upper},workdir=${work}`,
    root,
  ]);
  if (mounted.exitCode !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`the lab's overlay did not mount: ${mounted.stderr}`);
  }
  writeLabFiles(root);
  const cgroups = labCgroups(`${name}-${process.pid}`);
  const consoleLog = join(scratch, "console.log");

  /** Starts the lab's nspawn; its console goes to console.log. */
  const startNspawn = () =>
    execa(
      "sh",
      [
        "-c",
        // Into the lab's cgroups first: nspawn's cgroup namespace is rooted where it starts.
        'for procs in $LAB_CGROUPS; do echo $$ > "$procs"; done; exec "$@"',
        "sh",
        "systemd-nspawn",
        "--quiet",
        "--register=no",
        "--keep-unit",
        `--machine=lab-${name}`,
        "-D",
        root,
        "--private-network",
        "--capability=all",
        "--console=read-only",
        // SIGTERM to nspawn is a poweroff of the lab's systemd.
        "--kill-signal=SIGRTMIN+3",
        `--bind-ro=${REPO_ROOT}`,
        `--bind-ro=${process.execPath}:/usr/local/bin/node`,
        "/usr/local/sbin/lab-init",
        "systemd.firstboot=off",
      ],
      {
        env: { LAB_CGROUPS: cgroups.map((c) => join(c.dir, "cgroup.procs")).join(" ") },
        extendEnv: true,
        reject: false,
        detached: true,
        stdin: "ignore",
        stdout: { file: consoleLog, append: true },
        stderr: { file: consoleLog, append: true },
      },
    );
  /** The lab's nspawn while it runs. */
  let nspawn: ReturnType<typeof startNspawn> | undefined;
  let leader: number | undefined;

  const boot = async () => {
    nspawn = startNspawn();
    const found = await eventually(() => {
      leader = childNamed(nspawn?.pid as number, "systemd");
      return leader !== undefined;
    }, 30_000);
    if (!found) throw new Error(`the lab's systemd did not start:\n${consoleTail()}`);
    // Booted: every start job done (running, or degraded with a unit failed).
    // Until its bus is up, systemctl cannot ask; then --wait waits for the boot to finish.
    const deadline = Date.now() + 90_000;
    let up: LabResult;
    do {
      up = await run(["systemctl", "is-system-running", "--wait"], {
        allowFailure: true,
        timeoutMs: 90_000,
      });
      if (["running", "degraded"].includes(up.stdout.trim())) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    throw new Error(`the lab did not boot (${up.stdout}${up.stderr}):\n${consoleTail()}`);
  };

  const consoleTail = () =>
    existsSync(consoleLog) ? readFileSync(consoleLog, "utf8").slice(-3000) : "";

  async function run(argv: readonly string[], options: LabRunOptions = {}): Promise<LabResult> {
    if (leader === undefined) throw new Error(`lab ${name} is not running`);
    const env = Object.entries({ PATH: LAB_PATH, ...options.env }).map(([k, v]) => `${k}=${v}`);
    const result = await execa(
      "nsenter",
      ["-t", String(leader), "-a", "--", "/usr/bin/env", "-i", ...env, ...argv],
      {
        timeout: options.timeoutMs ?? 60_000,
        reject: false,
        stripFinalNewline: false,
        ...(options.input === undefined ? { stdin: "ignore" } : { input: options.input }),
      },
    );
    const out = {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
    };
    if (out.exitCode !== 0 && !options.allowFailure)
      throw new Error(
        `in lab ${name}: ${argv.join(" ")} exited ${out.exitCode}${result.timedOut ? " (timed out)" : ""}\n${out.stdout}${out.stderr}`,
      );
    return out;
  }

  const runner: Runner = {
    path: LAB_PATH,
    async run(argv: Argv, options: RunOptions = {}): Promise<CommandResult> {
      const started = performance.now();
      const result = await run(argv, {
        allowFailure: true,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.input === undefined ? {} : { input: options.input }),
      });
      if (result.exitCode !== 0 && !(options.allowExitCodes ?? []).includes(result.exitCode))
        throw new HostCommandError({
          argv,
          exitCode: result.exitCode,
          stdoutTail: result.stdout.slice(-2000),
          stderrTail: result.stderr.slice(-2000),
        });
      return { argv, ...result, durationMs: performance.now() - started };
    },
  };

  /** Waits for nspawn to end (the lab's systemd exited); kills it after `ms`. */
  const ended = async (ms: number) => {
    const running = nspawn;
    if (!running) return;
    const done = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
    ]);
    if (!done) running.kill("SIGKILL");
    await running;
    nspawn = undefined;
    leader = undefined;
  };

  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    if (nspawn) {
      nspawn.kill("SIGTERM");
      await ended(60_000);
    }
    await sh(["umount", root]);
    for (const cgroup of cgroups) removeCgroup(cgroup.dir);
    rmSync(scratch, { recursive: true, force: true });
  };

  try {
    await boot();
  } catch (error) {
    await dispose();
    throw error;
  }

  return {
    name,
    root,
    leader: () => {
      if (leader === undefined) throw new Error(`lab ${name} is not running`);
      return leader;
    },
    run,
    runner,
    path: (inLab) => join(root, inLab),
    async reboot() {
      // nspawn exits 133 when its container reboots; booting it again is the reboot.
      await run(["systemctl", "reboot"], { allowFailure: true });
      await ended(120_000);
      await boot();
    },
    dispose,
    console: consoleTail,
  };
}

/**
 * voxnix's own installer (src/host/container-install.ts), writing into `lab`'s host paths. The
 * drop-in names its conf by the installer's confDir, which here is the lab's path on this
 * machine: it is written again as a host's installer writes it (confDir /etc/nixos-containers,
 * containerDropIn's default), which the lab's systemd then reads.
 */
export function labInstaller(lab: Lab) {
  const installer = containerInstaller(lab.runner, {
    confDir: lab.path("/etc/nixos-containers"),
    unitDir: lab.path("/etc/systemd-mutable/system"),
    gcrootDir: lab.path("/nix/var/nix/gcroots/voxnix"),
    stateDir: lab.path("/var/lib/nixos-containers"),
  });
  return {
    ...installer,
    async install(container: ContainerInstall) {
      await installer.install(container);
      writeFileSync(
        lab.path(`/etc/systemd-mutable/system/container@${container.name}.service.d/voxnix.conf`),
        containerDropIn(container),
      );
      await lab.run(["systemctl", "daemon-reload"]);
    },
  };
}

/**
 * Container `name` as voxnix installs one (the n-th, from 1): the lab's stand-in system, a
 * workspace in the lab, a user range and an address of its own, the default limits.
 */
export function labContainer(
  lab: Lab,
  name: string,
  n: number,
  overrides: Partial<ContainerInstall> = {},
): ContainerInstall {
  const workspace = `/var/lib/voxnix/workspaces/1001/containers/${name}`;
  mkdirSync(lab.path(workspace), { recursive: true });
  return {
    name,
    systemPath: STORE.tenantSystem,
    workspace,
    uidBase: FIRST_UID_BASE + n * UID_RANGE,
    address: { host: "10.100.0.1", local: `10.100.0.${10 + n}` },
    limits: { cpus: 1, memoryBytes: 512 * 1024 ** 2, tasksMax: 512 },
    ...overrides,
  };
}

/** What `systemctl show UNIT` says of `keys`, in the lab. */
export async function unitShow(
  lab: Lab,
  unit: string,
  keys: readonly string[],
): Promise<Record<string, string>> {
  const { stdout } = await lab.run([
    "systemctl",
    "show",
    unit,
    `--property=${keys.join(",")}`,
    "--no-pager",
  ]);
  return Object.fromEntries(
    stdout
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/** Waits until `unit` is in ActiveState `state` (and SubState `sub`, if given), or `ms` pass. */
export async function waitForUnit(
  lab: Lab,
  unit: string,
  state: string,
  ms = 60_000,
  sub?: string,
): Promise<Record<string, string>> {
  const deadline = Date.now() + ms;
  let last: Record<string, string> = {};
  while (Date.now() < deadline) {
    last = await unitShow(lab, unit, ["ActiveState", "SubState", "Result", "NRestarts"]);
    if (last.ActiveState === state && (sub === undefined || last.SubState === sub)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${unit} in lab ${lab.name} did not become ${state}: ${JSON.stringify(last)}`);
}

/** Whether `check` comes to hold within `ms` (looked at every 200 ms): for what must happen. */
export async function until(check: () => Promise<boolean>, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  do {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  } while (Date.now() < deadline);
  return false;
}

/** Where host-relay.service (tests/lab/files) finds the test process: a unix socket in the lab. */
const RELAY_SOCKET = "/srv/host-relay/host.sock";

export interface LabRelay {
  /** The relayed port's address inside the lab (its loopback). */
  readonly url: string;
  /** Stops relaying. Before the lab's dispose: the listening socket keeps its overlay busy. */
  close(): Promise<void>;
}

/**
 * Makes TCP `port` on this machine's loopback (the Bot API emulator's) reachable inside `lab`,
 * whose network is private, at 127.0.0.1:8081 there, and so after a reboot of the lab too. In
 * the lab, host-relay.socket listens on its loopback and systemd-socket-proxyd carries each
 * connection to a unix socket in the lab's file system, on which this process listens and which
 * it forwards to `port`. Traffic goes from loopback to loopback only: no interface, address or
 * route is made in either network namespace.
 */
export async function relayIntoLab(lab: Lab, port: number): Promise<LabRelay> {
  mkdirSync(lab.path(dirname(RELAY_SOCKET)), { recursive: true });
  rmSync(lab.path(RELAY_SOCKET), { force: true });
  const open = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(port, "127.0.0.1");
    for (const [socket, other] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      open.add(socket);
      // A side that fails ends the other at once; one that closes ends it once what it sent
      // is through (pipe() ends the other on a clean end; a reset has none).
      socket.on("error", () => other.destroy());
      socket.on("close", () => {
        open.delete(socket);
        other.end();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(lab.path(RELAY_SOCKET), resolve);
  });
  for (const unit of ["host-relay.socket", "host-relay.service"])
    writeFileSync(lab.path(`/etc/systemd/system/${unit}`), readFileSync(join(FILES, unit)));
  await lab.run(["systemctl", "daemon-reload"]);
  await lab.run(["systemctl", "enable", "--now", "host-relay.socket"]);
  return {
    url: "http://127.0.0.1:8081",
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(lab.path(RELAY_SOCKET), { force: true });
    },
  };
}
