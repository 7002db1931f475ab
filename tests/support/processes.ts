import { readdirSync, readFileSync } from "node:fs";

/**
 * Whether a process is still running. A zombie (exited, not yet reaped) does not count: on
 * machines whose PID 1 reaps orphans lazily, `kill(pid, 0)` would report it alive for seconds.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The first child of `parent` whose command is `comm`. */
export function childNamed(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === parent && stat.slice(stat.indexOf("(") + 1, close) === comm)
        return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
