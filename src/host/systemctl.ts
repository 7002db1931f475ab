import type { Runner } from "./run.js";

/** Host `systemctl`. */
export function systemctl(runner: Runner) {
  return {
    /** When `unit` last became active, or undefined when it is not active. */
    async activeSince(unit: string): Promise<Date | undefined> {
      const { stdout } = await runner.run([
        "systemctl",
        "show",
        unit,
        "--property=ActiveEnterTimestamp",
        "--no-pager",
      ]);
      const text = stdout.trim().slice("ActiveEnterTimestamp=".length);
      // "Mon 2026-11-23 10:00:00 UTC": drop the weekday; Date reads the rest.
      const parsed =
        text === ""
          ? Number.NaN
          : Date.parse(
              text
                .replace(/^\w{3} /, "")
                .replace(" UTC", "Z")
                .replace(" ", "T"),
            );
      return Number.isNaN(parsed) ? undefined : new Date(parsed);
    },

    /** Whether a unit file is known to systemd (e.g. the container@.service template). */
    async unitExists(unit: string): Promise<boolean> {
      const { exitCode } = await runner.run(["systemctl", "cat", unit], { allowExitCodes: [1] });
      return exitCode === 0;
    },
  };
}

export type Systemctl = ReturnType<typeof systemctl>;
