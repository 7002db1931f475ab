import { UnsafeHostPath } from "./errors.js";

/** Everything host-side about one container: what its system is, and what the host gives it. */
export interface ContainerInstall {
  readonly name: string;
  /** The built system (nix/mk-container.nix), shared by every container with its modules. */
  readonly systemPath: string;
  /** The host directory bound at /workspace (the mounted dataset). */
  readonly workspace: string;
  /** A root-only key file for the tailscale module; with it, /dev/net/tun is passed in too. */
  readonly tailscaleKeyFile?: string | undefined;
  /**
   * The host directory holding its egress environment (host/egress-env.ts), bound read-only at
   * /run/voxnix/egress; undefined on a host without secrets (no VOXNIX_SECRETS_KEY_FILE).
   */
  readonly egressDir?: string | undefined;
  /** The first host uid of the container's user namespace; undefined: none (made before them). */
  readonly uidBase?: number | undefined;
  /**
   * Its link to the host: `host` on the host's end (ve-NAME), `local` on its eth0, routed to
   * ve-NAME alone (workloads/primitives/addresses.ts assigns `local`; docs/security.md, Tenants' network).
   */
  readonly address: { readonly host: string; readonly local: string };
  /**
   * Started at boot (its machines.target.wants link); false for a container its owner or the
   * idle policy stopped, which stays stopped across a reboot. Default true.
   */
  readonly startsAtBoot?: boolean | undefined;
  readonly limits: {
    readonly cpus: number;
    readonly memoryBytes: number;
    readonly tasksMax: number;
  };
}

/** Where modules/tailscale.nix reads the enrolment key, inside the container. */
export const TAILSCALE_KEY_INSIDE = "/run/voxnix/tailscale-auth-key";
/** Where a container reads its egress environment (host/egress-env.ts binds its directory). */
export const EGRESS_INSIDE = "/run/voxnix/egress";
/** The first line of every conf voxnix writes: how `list` tells its containers from others. */
export const CONF_MARKER = "# Installed by voxnix; removed by its destroy.";

/** uids per container: nspawn's own range size (workloads/primitives/uid-ranges.ts picks the bases). */
export const UID_RANGE = 65_536;
/**
 * Containers' ranges are FIRST_UID_BASE + k·UID_RANGE, below 2^31: above anything a NixOS host
 * allocates (its users, DynamicUser, nspawn's own `pick` ranges), where some tools treat uids
 * as signed.
 */
export const FIRST_UID_BASE = 0x7000_0000;
export const UID_RANGES_END = 0x8000_0000;

const SAFE_PATH = /^\/[A-Za-z0-9._+/-]+$/;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipv4(address: string, what: string): string {
  if (!IPV4.test(address))
    throw new UnsafeHostPath(`${what} ${JSON.stringify(address)} is not an IPv4 address`);
  return address;
}

function safe(path: string, what: string): string {
  if (!SAFE_PATH.test(path) || path.split("/").includes(".."))
    throw new UnsafeHostPath(`${what} ${JSON.stringify(path)} is not a plain absolute path`);
  return path;
}

interface Bind {
  readonly host: string;
  readonly inside: string;
  readonly readOnly: boolean;
}

function bindsOf(c: ContainerInstall): Bind[] {
  const binds: Bind[] = [
    { host: safe(c.workspace, "workspace"), inside: "/workspace", readOnly: false },
  ];
  if (c.tailscaleKeyFile !== undefined) {
    binds.push(
      {
        host: safe(c.tailscaleKeyFile, "tailscale key file"),
        inside: TAILSCALE_KEY_INSIDE,
        readOnly: true,
      },
      { host: "/dev/net/tun", inside: "/dev/net/tun", readOnly: false },
    );
  }
  if (c.egressDir !== undefined)
    binds.push({
      host: safe(c.egressDir, "egress directory"),
      inside: EGRESS_INSIDE,
      readOnly: true,
    });
  // In mount-point order, as nixos-containers.nix lists bindMounts (attribute order).
  return binds.sort((a, b) => (a.inside < b.inside ? -1 : 1));
}

/**
 * `/etc/nixos-containers/<name>.conf`, the environment file nixpkgs' container@.service template
 * reads: the keys and values nixos-containers.nix writes for a declarative container with
 * privateNetwork, hostAddress and localAddress (no hostBridge), autoStart and these bind mounts
 * (tests/nix holds the two to the same values against real nixpkgs).
 *
 * With HOST_ADDRESS and LOCAL_ADDRESS and no HOST_BRIDGE, the template starts nspawn with
 * --network-veth; its postStartScript puts HOST_ADDRESS on the host's end, ve-NAME, and routes
 * LOCAL_ADDRESS (a /32) to it; containerInit puts LOCAL_ADDRESS on the container's eth0 with a
 * route to HOST_ADDRESS and the default route via it (nixos/modules/virtualisation/
 * nixos-containers.nix). No link is shared: the route names the container's own interface.
 */
export function containerConf(c: ContainerInstall): string {
  // Its users are the host's uidBase…+65535: nspawn gives the container's own files (its
  // root directory) to that range on the first start; the workspace was given to it at create.
  const users =
    c.uidBase === undefined
      ? ""
      : ` --private-users=${c.uidBase}:${UID_RANGE} --private-users-ownership=chown`;
  // As nixos-containers.nix writes a declared container's: its bind mounts, then its
  // extraFlags (the user range is one: 24.11 has no privateUsers option).
  const flags =
    bindsOf(c)
      .map((b) => ` --${b.readOnly ? "bind-ro" : "bind"}=${b.host}:${b.inside}`)
      .join("") + users;
  return [
    CONF_MARKER,
    `SYSTEM_PATH=${safe(c.systemPath, "system")}`,
    "PRIVATE_NETWORK=1",
    `HOST_ADDRESS=${ipv4(c.address.host, "host address")}`,
    `LOCAL_ADDRESS=${ipv4(c.address.local, "container address")}`,
    'INTERFACES=""',
    'MACVLANS=""',
    "AUTO_START=1",
    `EXTRA_NSPAWN_FLAGS="${flags}"`,
    "",
  ].join("\n");
}

/**
 * The conf keys the container@ template reads (src/host/container-template.ts) that voxnix
 * writes, and those it leaves unset on purpose, with what unset means there (nixpkgs 24.11
 * nixos-containers.nix). AUTO_START is written for nixos-container(1), which the template
 * does not read. A template reading a key in neither list is one voxnix was not written for.
 */
export const CONF_KEYS_WRITTEN = [
  "SYSTEM_PATH",
  "PRIVATE_NETWORK",
  "HOST_ADDRESS",
  "LOCAL_ADDRESS",
  "INTERFACES",
  "MACVLANS",
  "EXTRA_NSPAWN_FLAGS",
] as const;
export const CONF_KEYS_UNSET: Readonly<Record<string, string>> = {
  HOST_BRIDGE: "routed to its own link, not bridged",
  HOST_ADDRESS6: "no IPv6 on its link",
  LOCAL_ADDRESS6: "no IPv6 on its link",
  HOST_PORT: "no ports forwarded from the host",
};

/** A container's cgroup limits as systemd unit settings: the drop-in's, and set-property's. */
export const limitAssignments = (limits: ContainerInstall["limits"]) => [
  `CPUQuota=${Math.round(limits.cpus * 100)}%`,
  `MemoryMax=${limits.memoryBytes}`,
  `TasksMax=${limits.tasksMax}`,
];

/**
 * The drop-in's clean-up after a crash of nspawn itself (a SIGKILL: the OOM killer, a stop that
 * timed out, a person). A killed nspawn skips what its exit path does (nspawn.c, run(), v256 and
 * v257): tell machined the machine is gone (UnregisterMachine) and unmount
 * /run/systemd/nspawn/unix-export/NAME. Restart= then cannot bring the container back: machined
 * keeps a machine while its unit's ActiveState is anything but inactive or failed
 * (machine_may_gc, manager_unit_is_active), and a unit in auto-restart is `activating`, so each
 * restart's nspawn is refused ("Machine 'NAME' already exists", and the first's before that
 * "Mount point … exists already, refusing.") until the start limit fails the unit. The
 * template's pre-start `machinectl terminate` cannot help: machined answers it by stopping the
 * unit, which PID 1 refuses while the restart's start job is queued. nspawn's own `--cleanup`
 * (systemd PR 34776) is not in 257. Measured in tests/lab/nspawn-crash.test.ts.
 *
 * It acts only when machined's record of NAME was registered from this unit: ExecStopPost runs
 * once every process of the unit is gone, the leader and nspawn with them, and no other start of
 * the unit can run meanwhile, so that record and the mount are left over. A machine of that name
 * registered from elsewhere, or none (nspawn exited and cleaned up itself), is left alone.
 * UnregisterMachine is what nspawn sends on its way out: machined drops the machine and leaves
 * the unit alone (`machinectl terminate` would stop it, and with it the restart).
 * systemd-umount stops the mount's unit. Only /bin/sh and what the template's PATH has on
 * NixOS (systemd, coreutils, no util-linux); `$$` is systemd's escape for `$`.
 */
const CLEAN_UP_AFTER_NSPAWN =
  "ExecStopPost=-/bin/sh -c '" +
  'if [ "$$(machinectl show %i --property=Unit --value 2>/dev/null)" = "%n" ]; then ' +
  "busctl call org.freedesktop.machine1 /org/freedesktop/machine1" +
  " org.freedesktop.machine1.Manager UnregisterMachine s %i; " +
  "systemd-umount /run/systemd/nspawn/unix-export/%i; rmdir /run/systemd/nspawn/unix-export/%i; " +
  "fi'";

/**
 * The drop-in for `container@<name>.service`: what a declarative container's own unit has
 * beyond the template (bind sources mounted first, the network up, the tun device), the
 * container's limits, which systemd enforces on the unit's cgroup, and the clean-up after a
 * crash of nspawn (CLEAN_UP_AFTER_NSPAWN), which NixOS's own units lack.
 *
 * /dev/net/tun is allowed for tailscale, and for every container with a user namespace: nspawn
 * makes /dev/net/tun in every container, and since systemd PR 34259 (in 256.x) a failed mknod
 * of it is fatal under --private-users; PR 35146 (257) relaxed that only without a private
 * network. container@.service has DevicePolicy=closed, so without the rule such a container
 * does not start ("Failed to mknod(…/dev/net/tun): Operation not permitted"). nixpkgs allows it
 * for every declared container with privateUsers and privateNetwork (PRs 357276, 362210).
 */
export function containerDropIn(c: ContainerInstall, confDir = "/etc/nixos-containers"): string {
  const tun = c.tailscaleKeyFile !== undefined || c.uidBase !== undefined;
  const mounts = bindsOf(c).map((b) => b.host);
  return [
    CONF_MARKER,
    "[Unit]",
    // A boot-time start of an instance whose conf was never written (a crash mid-install)
    // would boot an unconfigured container: without the conf, there is nothing to start.
    `ConditionPathExists=${confDir}/%i.conf`,
    `RequiresMountsFor=${mounts.join(" ")}`,
    "Wants=network.target",
    "After=network.target",
    "",
    "[Service]",
    // The template's reload is `nixos-container run … bash --login -c switch-to-configuration`:
    // the host's root in the container's namespaces but its user namespace, through the tenant's
    // login files. voxnix activates a change itself (container-activation.ts); a reload of a
    // voxnix container does nothing.
    "ExecReload=",
    CLEAN_UP_AFTER_NSPAWN,
    ...limitAssignments(c.limits),
    ...(tun ? ["DeviceAllow=/dev/net/tun rwm"] : []),
    "",
  ].join("\n");
}
