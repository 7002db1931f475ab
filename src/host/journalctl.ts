import { HostCommandError } from "./errors.js";
import type { Runner } from "./run.js";

const NO_ENTRIES = "-- No entries --";

/** Journal lines of a container: its own journal while running, else its host unit's. */
export function journalctl(runner: Runner) {
  const read = async (selector: string[], lines: number) => {
    const { stdout } = await runner.run(
      ["journalctl", ...selector, "-n", String(lines), "--no-pager", "-o", "short-iso"],
      {
        timeoutMs: 15_000,
        maxOutputBytes: 1024 * 1024,
      },
    );
    return stdout.trim() === NO_ENTRIES ? [] : stdout.split("\n").filter(Boolean);
  };

  return {
    async containerLogs(
      name: string,
      lines: number,
    ): Promise<{ source: "container" | "host-unit"; lines: string[] }> {
      try {
        const own = await read(["-M", name], lines);
        if (own.length > 0) return { source: "container", lines: own };
      } catch (error) {
        if (!(error instanceof HostCommandError)) throw error;
        // Not running (no machine to read): the host unit's journal says why it stopped.
      }
      return { source: "host-unit", lines: await read(["-u", `container@${name}.service`], lines) };
    },
  };
}

export type Journalctl = ReturnType<typeof journalctl>;
