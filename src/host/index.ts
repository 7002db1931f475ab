import { dirStorage } from "./dir-storage.js";
import { containerInstaller } from "./container-install.js";
import { templateConfKeys } from "./container-template.js";
import { containerSystems } from "./container-systems.js";
import { containerProcesses } from "./container-processes.js";
import { journalctl } from "./journalctl.js";
import { machinectl } from "./machinectl.js";
import { nixosContainer } from "./nixos-container.js";
import { containerExec } from "./container-exec.js";
import { containerActivation } from "./container-activation.js";
import type { Runner } from "./run.js";
import { stagingArea } from "./staging.js";
import type { Storage } from "./storage.js";
import { systemctl } from "./systemctl.js";
import { tailscale } from "./tailscale.js";
import { zfs } from "./zfs.js";
import { zfsStorage } from "./zfs-storage.js";
import { zpool } from "./zpool.js";
import { join } from "node:path";
import { locateOnPath } from "./locate.js";
import { shiftOwnership } from "./ownership-shift.js";
import { inHostMountNamespace } from "./mount-namespace.js";

export {
  HostCommandError,
  HostCommandTimeout,
  HostOutputMalformed,
  HostOutputTooLarge,
  HostToolMissing,
  TailscaleApiError,
  UnsafeHostPath,
} from "./errors.js";
export {
  CONF_KEYS_UNSET,
  CONF_KEYS_WRITTEN,
  containerConf,
  containerDropIn,
  FIRST_UID_BASE,
  UID_RANGE,
  UID_RANGES_END,
  type ContainerInstall,
} from "./container-files.js";
export { buildExpression } from "./container-systems.js";
export { readModuleLibrary, type ContainerModule } from "./module-library.js";
export { killAllHostCommands } from "./process-groups.js";
export { createRunner, hostToolEnvironment, type Runner } from "./run.js";
export { bundledSpawnHelper } from "./spawn-helper.js";
export {
  FORK_SNAPSHOT_PREFIX,
  trashIdFor,
  type Storage,
  type UserSpace,
  type WorkspaceSnapshot,
  type WorkspaceSnapshots,
} from "./storage.js";
export {
  findUnpushedWork,
  type UnpushedBranch,
  type UnpushedReport,
  type UnpushedRepo,
} from "./unpushed-work.js";

/** The host tools voxnix drives. */
export const HOST_TOOLS = [
  // nix-build builds a module set's system; nix-instantiate names the nixpkgs it builds from.
  "nix-build",
  "nix-instantiate",
  "nixos-container",
  // systemd: the one way into a running container (container-exec.ts).
  "systemd-run",
  "machinectl",
  "systemctl",
  "journalctl",
  "zfs",
  "zpool",
  // util-linux: zfs runs through it when the daemon has a mount namespace of its own.
  "nsenter",
  // coreutils: a new workspace is given to its container's root (user namespaces).
  "chown",
] as const;

export interface HostOptions {
  readonly stateDir: string;
  readonly nixDir: string;
  /** "/" on a host: the container files go under it (a fake host's root in tests). */
  readonly hostRoot: string;
  readonly storage: {
    readonly backend: "zfs" | "dir";
    readonly pool: string;
    readonly userQuotaBytes: number;
  };
  readonly buildTimeoutMs?: number;
  /** Where zfs must run so that containers see its mounts (default: this process's own). */
  readonly hostMountNamespace?: string;
}

/** Every host adapter, over one runner. */
export function createHost(runner: Runner, options: HostOptions) {
  const containers = nixosContainer(runner);
  const inside = containerExec(runner);
  const enterHostMounts = options.hostMountNamespace
    ? inHostMountNamespace(options.hostMountNamespace)
    : [];
  const zfsTool = zfs(runner, enterHostMounts);
  const gcrootDir = join(options.hostRoot, "nix/var/nix/gcroots/voxnix");
  const storage: Storage =
    options.storage.backend === "zfs"
      ? zfsStorage(zfsTool, {
          ...options.storage,
          chown: (path, hostUid) => {
            const [binary = "chown", ...args] = [
              ...enterHostMounts,
              "chown",
              `${hostUid}:${hostUid}`,
              path,
            ];
            return runner.run([binary, ...args]);
          },
          // In this process: the pool is writable in the daemon's namespace (the unit's
          // ReadWritePaths), and the host's mounts propagate into it (mount-namespace.ts).
          shiftOwnership: (path, base) => shiftOwnership(join(options.hostRoot, path), base),
        })
      : dirStorage(join(options.stateDir, "workspaces"));
  const installer = containerInstaller(runner, {
    confDir: join(options.hostRoot, "etc/nixos-containers"),
    unitDir: join(options.hostRoot, "etc/systemd-mutable/system"),
    gcrootDir,
    stateDir: join(options.hostRoot, "var/lib/nixos-containers"),
  });
  return {
    runner,
    storage,
    staging: stagingArea(options.stateDir),
    systems: containerSystems(runner, {
      nixDir: options.nixDir,
      gcrootDir,
      buildTimeoutMs: options.buildTimeoutMs ?? 30 * 60_000,
    }),
    installer,
    /** The conf keys the host's container@.service template reads; undefined without one. */
    templateConfKeys: () => templateConfKeys(options.hostRoot),
    machines: machinectl(runner),
    processes: containerProcesses(options.hostRoot),
    containers,
    /** Commands inside a running container, as its root in its user namespace. */
    inside,
    activation: containerActivation(inside),
    systemd: systemctl(runner),
    journal: journalctl(runner, inside, (name) => installer.installedSystem(name)),
    tailscale: tailscale(inside, (name) => installer.installedSystem(name)),
    zfs: zfsTool,
    zpool: zpool(runner),
    /** The argv prefix zfs runs with to reach the host's mount namespace ([] when already there). */
    enterHostMounts,
    /** The pool part of ZFS_POOL (which may name a dataset inside it). */
    pool: options.storage.pool.split("/")[0] as string,
    /** Where a host tool is on the runner's PATH, if anywhere. */
    locate: (tool: string) => locateOnPath(tool, runner.path),
  };
}

export type Host = ReturnType<typeof createHost>;
