import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Enough for any dev container; a container that forks more is busy anyway. */
const LIMITS = { cgroups: 200, pids: 2_000, depth: 6 } as const;

/**
 * The processes running in a container, read from the host without running anything in it:
 * the pids in its unit's cgroup tree (container@NAME.service sits in machine.slice,
 * nixos-containers.nix) and each one's /proc/PID/stat. The container may make
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
    /**
     * What runs in container `name`: the distinct process names (comm, at most 15 characters),
     * and how many are someone's session: a process with a controlling terminal (a shell over
     * SSH or Tailscale SSH, `machinectl shell`) other than a getty waiting on the console, or
     * OpenSSH's per-connection `sshd-session` (a session without a terminal, like `git push`).
     */
    async look(name: string): Promise<{ names: Set<string>; sessions: number }> {
      const pids = new Set<number>();
      await pidsUnder(cgroupOf(name), 0, pids, { cgroups: LIMITS.cgroups });
      const names = new Set<string>();
      let sessions = 0;
      for (const pid of pids) {
        const stat = await readFile(join(hostRoot, "proc", String(pid), "stat"), "utf8").catch(
          () => undefined,
        );
        const parsed = stat && parseStat(stat);
        if (!parsed) continue;
        names.add(parsed.comm);
        if (parsed.comm === "sshd-session" || (parsed.tty !== 0 && !GETTYS.has(parsed.comm)))
          sessions++;
      }
      return { names, sessions };
    },
  };
}

/** Wait for a login on a terminal; on the console, always there. */
const GETTYS = new Set(["agetty", "getty", "mingetty"]);

/**
 * `/proc/PID/stat`: "pid (comm) state ppid pgrp session tty_nr …" (proc(5)). comm may hold
 * spaces and parentheses, so it ends at the last ")".
 */
function parseStat(stat: string): { comm: string; tty: number } | undefined {
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const tty = Number(stat.slice(close + 2).split(" ")[4]);
  return Number.isInteger(tty) ? { comm: stat.slice(open + 1, close), tty } : undefined;
}
