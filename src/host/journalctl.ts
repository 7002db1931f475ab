import type { ContainerExec } from "./container-exec.js";
import { HostCommandError } from "./errors.js";
import type { Runner } from "./run.js";

const NO_ENTRIES = "-- No entries --";
const lineList = (stdout: string) =>
  stdout.trim() === NO_ENTRIES ? [] : stdout.split("\n").filter(Boolean);

/**
 * Journal lines of a container: its own journal while running, else its host unit's.
 *
 * The container's own is read by its own journalctl, through the way in (container-exec.ts),
 * never by the host's `journalctl -M`: that opens the container's var/log/journal from its root
 * following links (sd-journal's directory_open, systemd 252 and 256), so a tenant who made it a
 * link to another container's journal, or the host's, had /logs show that one.
 */
export function journalctl(
  runner: Runner,
  inside: ContainerExec,
  systemOf: (name: string) => string | undefined,
) {
  const options = ["-n", "--no-pager", "-o", "short-iso"] as const;
  const args = (lines: number) => [options[0], String(lines), ...options.slice(1)];

  return {
    async containerLogs(
      name: string,
      lines: number,
    ): Promise<{ source: "container" | "host-unit"; lines: string[] }> {
      const system = systemOf(name);
      try {
        if (system) {
          const own = await inside.run(
            name,
            [`${system}/sw/bin/journalctl`, ...args(lines)],
            15_000,
          );
          const read = lineList(own.stdout);
          if (read.length > 0) return { source: "container", lines: read.slice(-lines) };
        }
      } catch (error) {
        if (!(error instanceof HostCommandError)) throw error;
        // Not running (no machine to enter): the host unit's journal says why it stopped.
      }
      const { stdout } = await runner.run(
        ["journalctl", "-u", `container@${name}.service`, ...args(lines)],
        { timeoutMs: 15_000, maxOutputBytes: 1024 * 1024 },
      );
      return { source: "host-unit", lines: lineList(stdout) };
    },
  };
}

export type Journalctl = ReturnType<typeof journalctl>;
