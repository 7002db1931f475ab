import { readlinkSync } from "node:fs";

/**
 * The argv prefix that runs a command in the host's mount namespace, or [] when this process
 * is already there.
 *
 * The unit's hardening (ProtectSystem=strict, PrivateTmp …) makes systemd give the daemon a
 * mount namespace of its own, with slave propagation (systemd's namespace.c): the host's mounts
 * appear inside it, but nothing mounted inside appears outside. A dataset that `zfs create`,
 * `zfs mount` or `zfs rename` mounts from the daemon would exist only there, and `container@`
 * would bind the bare directory beneath it: the tenant's files would land in the parent dataset,
 * outside the container's quota, trash and restore. So zfs runs in PID 1's namespace
 * (`nsenter --mount=/proc/1/ns/mnt`; the daemon is root, and setns needs CAP_SYS_ADMIN and
 * CAP_SYS_CHROOT, which the unit keeps).
 *
 * @param namespace the namespace file to enter (VOXNIX_HOST_MOUNT_NAMESPACE, default PID 1's)
 */
export function inHostMountNamespace(namespace: string): readonly string[] {
  if (sameNamespace(namespace, "/proc/self/ns/mnt")) return [];
  return ["nsenter", `--mount=${namespace}`, "--"];
}

function sameNamespace(a: string, b: string): boolean {
  try {
    return readlinkSync(a) === readlinkSync(b);
  } catch {
    // Not readable from here (no procfs, or another user's): entering it is the only way to know.
    return false;
  }
}
