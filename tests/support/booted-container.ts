// A container whose PID 1 is systemd, booted by real systemd-nspawn with the flags voxnix gives
// every container (a user namespace of its own, a private network), for tests of what the
// daemon does inside containers. Its OS is this machine's own /usr, bound read-only: no image
// to download. Its root directory (with /etc, /root and /var) is the test's, so a test can
// plant a tenant's files there.
//
// systemd-run --machine=NAME finds a container by machined's record, /run/systemd/machines/NAME
// (LEADER=, CLASS=; container_get_leader in systemd 252 and 257 reads only that file). Where
// no machined runs, `machineRecords()` puts a stand-in `systemd-run` first on PATH that shows
// the record to the real one, in a mount namespace of that call alone, and changes nothing else.
import { execa } from "execa";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateOnPath } from "../../src/host/locate.js";
import { childNamed, eventually } from "./processes.js";

const PATH = process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin";

/** Why this machine cannot boot such a container, or undefined when it can. */
export function cannotBoot(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root";
  for (const [tool, from] of [
    ["systemd-nspawn", "systemd-container"],
    ["systemd-run", "systemd"],
    ["unshare", "util-linux"],
    ["dbus-daemon", "dbus"],
  ] as const)
    if (!locateOnPath(tool, PATH)) return `needs ${tool} (${from})`;
  if (!existsSync("/usr/lib/systemd/systemd")) return "needs systemd in /usr/lib/systemd";
  return undefined;
}

export interface BootedContainer {
  readonly name: string;
  /** The container's root directory on the host (owned by its user range once booted). */
  readonly root: string;
  /** The container's PID 1 (systemd), as the host sees it. */
  readonly leader: number;
  /** PATH for a runner whose systemd-run finds this container. */
  readonly path: string;
  stop(): Promise<void>;
}

/**
 * Boots container `name` with `flags` (voxnix's EXTRA_NSPAWN_FLAGS) and waits until its systemd
 * answers on its bus. `plant` may write the container's files before it boots.
 */
export async function bootContainer(
  name: string,
  flags: readonly string[],
  plant: (root: string) => void = () => {},
): Promise<BootedContainer> {
  // Made here, not with tempDir: a container outlives one test (beforeAll), and stop() clears it.
  const scratch = mkdtempSync(join(tmpdir(), "voxnix-booted-"));
  const root = join(scratch, "root");
  mkdirSync(root);
  for (const dir of ["etc", "root", "var", "usr", "tmp"]) mkdirSync(join(root, dir));
  // Debian's merged /usr.
  for (const link of ["bin", "sbin", "lib", "lib64"])
    if (existsSync(`/usr/${link}`)) symlinkSync(`usr/${link}`, join(root, link));
  copyFileSync("/etc/os-release", join(root, "etc/os-release"));
  plant(root);

  const records = join(scratch, "machines");
  const bin = join(scratch, "bin");
  mkdirSync(records);
  mkdirSync(bin);
  const realRun = locateOnPath("systemd-run", PATH) as string;
  writeFileSync(
    join(bin, "systemd-run"),
    [
      "#!/bin/sh",
      "# Stands in for machined's registration only; the real systemd-run gets the same argv.",
      "mkdir -p /run/systemd/machines",
      `exec unshare --mount --propagation private -- /bin/sh -ec 'mount -t tmpfs -o mode=0755,size=64k voxnix-machines /run/systemd/machines; cp "$0"/* /run/systemd/machines/; exec "$@"' ${records} ${realRun} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "systemd-run"), 0o755);

  const nspawn = execa(
    "systemd-nspawn",
    [
      "--quiet",
      "--console=passive",
      "--register=no",
      "--keep-unit",
      `--machine=${name}`,
      "-D",
      root,
      "--bind-ro=/usr",
      "--boot",
      "--private-network",
      ...flags,
      // An /etc without machine-id or locale: no questions on a console no one reads.
      "systemd.firstboot=off",
    ],
    { reject: false, detached: true, stdin: "ignore" },
  );
  const stop = async () => {
    nspawn.kill("SIGTERM");
    const ended = await Promise.race([
      nspawn.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 20_000)),
    ]);
    if (!ended) nspawn.kill("SIGKILL");
    await nspawn;
    rmSync(scratch, { recursive: true, force: true });
  };
  let leader: number | undefined;
  try {
    const found = await eventually(() => {
      leader = childNamed(nspawn.pid as number, "systemd");
      return leader !== undefined;
    }, 30_000);
    if (!found) {
      nspawn.kill("SIGKILL");
      const ended = await nspawn;
      const output = `${String(ended.stdout)}${String(ended.stderr)}`.slice(-2000);
      throw new Error(`no systemd under nspawn: ${output}`);
    }
    writeFileSync(join(records, name), `LEADER=${leader}\nCLASS=container\n`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, root, leader: leader as number, path: `${bin}:${PATH}`, stop };
}
