// Real mounts, with the host setting `realMounts` (off by default: only tests/host/mount-
// namespace.test.ts turns it on, as root). The fake zfs then mounts every dataset it mounts for
// real: a bind mount of the dataset's own backing directory (data/<id>, so the files survive a
// rename) at root/<mountpoint>, made in its *caller's* mount namespace, as the real zfs does
// (libzfs mounts in the namespace of the process that runs it; a systemd unit with
// ProtectSystem= has its own, whose mounts do not propagate out: systemd's namespace.c).
//
// A container start then checks, from the tool server's namespace, which stands for the host's
// (where systemd runs container@NAME), that the workspace is a mountpoint. A real host does not
// check: container@ binds the bare directory and the tenant's files land in the parent dataset,
// silently. The fake fails loudly instead, so a test sees what a real host would hide.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { invocation } from "./invocation.mjs";
import { paths } from "./state.mjs";
import { die } from "./tool.mjs";

export const realMountsOn = (state) => state.settings.realMounts === true;

/** Runs `argv` in the fake tool's caller's mount namespace. */
function inCaller(argv) {
  const pid = invocation().callerPid;
  if (!pid) throw new Error("fake host: real mounts need the caller's pid");
  execFileSync("nsenter", ["-t", String(pid), "-m", "--", ...argv], { stdio: "pipe" });
}

const targetOf = (mountpoint) => join(paths().root, mountpoint);

/** Mounts dataset `ds` (its state entry) at `mountpoint`, in the caller's namespace. */
export function mountReal(ds, mountpoint) {
  ds.dataId ??= `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const backing = join(paths().dir, "data", ds.dataId);
  mkdirSync(backing, { recursive: true });
  // --mkdir: the mount point made by the same process (a fork from the test's process is its
  // costliest part).
  inCaller(["mount", "--mkdir", "--bind", backing, targetOf(mountpoint)]);
}

/**
 * With real mounts, a snapshot holds the files its dataset had, and a clone starts with its
 * snapshot's: a copy of a backing directory (cp -a, owners kept), returned as the new one's id.
 */
export function copyBacking(dataId) {
  const copy = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const target = join(paths().dir, "data", copy);
  // Into a new directory, so that the copy's root has the owner and mode of the original's.
  if (dataId) execFileSync("cp", ["-a", join(paths().dir, "data", dataId), target]);
  else mkdirSync(target, { recursive: true });
  return copy;
}

/** Unmounts what is at `mountpoint` in the caller's namespace; nothing there is not an error. */
export function unmountReal(mountpoint) {
  try {
    inCaller(["umount", targetOf(mountpoint)]);
  } catch {
    // not mounted in this namespace (or at all)
  }
}

/** Mount points of this process's namespace (the host's, for the fake). */
function mountPointsHere() {
  return new Set(
    readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ")[4]),
  );
}

/** A container's start: its workspace must be mounted where systemd, and so nspawn, looks. */
export function assertWorkspaceMounted(name, hostPath) {
  if (!hostPath) return;
  if (!mountPointsHere().has(targetOf(hostPath)))
    die(
      `fake container@${name}: the workspace ${hostPath} is not a mountpoint in the host's mount namespace; ` +
        `the container would write into the parent dataset`,
    );
}

/** Unmounts, deepest first, every mount under `dir` in this process's namespace (cleanup). */
export function unmountAllUnder(dir) {
  const under = [...mountPointsHere()].filter((m) => m.startsWith(`${dir}/`));
  if (under.length === 0) return;
  try {
    // One umount for them all: it takes them in order, and goes on past one already gone.
    execFileSync("umount", ["-l", ...under.sort((a, b) => b.length - a.length)], { stdio: "pipe" });
  } catch {
    // gone already
  }
}
