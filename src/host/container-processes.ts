import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Enough for any dev container; a container that forks more is busy anyway. */
const LIMITS = { cgroups: 200, pids: 2_000, depth: 6 } as const;

/**
 * The names of the processes running in a container, read from the host without running
 * anything in it: the pids in its unit's cgroup tree (container@NAME.service sits in
 * machine.slice, nixos-containers.nix) and each one's /proc/PID/comm. The container may make
 * sub-cgroups (Delegate=yes) and name its processes as it likes: both are only counted and
 * matched, and bounded.
 */
export function containerProcesses(hostRoot: string) {
  const cgroupOf = (name: string) =>
    join(hostRoot, "sys/fs/cgroup/machine.slice", `container@${name}.service`);

  async function pidsUnder(
    dir: string,
    depth: number,
    into: Set<number>,
    budget: { cgroups: number },
  ) {
    if (--budget.cgroups < 0 || into.size >= LIMITS.pids) return;
    const procs = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
    for (const line of procs.split("\n")) {
      if (into.size >= LIMITS.pids) break;
      if (/^\d+$/.test(line)) into.add(Number(line));
    }
    if (depth >= LIMITS.depth) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries)
      if (entry.isDirectory()) await pidsUnder(join(dir, entry.name), depth + 1, into, budget);
  }

  return {
    /** Distinct process names (comm, at most 15 characters) in container `name`. */
    async names(name: string): Promise<Set<string>> {
      const pids = new Set<number>();
      await pidsUnder(cgroupOf(name), 0, pids, { cgroups: LIMITS.cgroups });
      const names = new Set<string>();
      for (const pid of pids) {
        const comm = await readFile(join(hostRoot, "proc", String(pid), "comm"), "utf8").catch(
          () => undefined,
        );
        if (comm) names.add(comm.trim());
      }
      return names;
    },
  };
}
