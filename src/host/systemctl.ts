import { limitAssignments, type ContainerInstall } from "./container-files.js";
import type { Runner } from "./run.js";

export interface UnitResources {
  readonly cpuNs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly memoryPeakBytes: number | undefined;
  readonly activeSince: Date | undefined;
  /** How often systemd restarted it on failure (Restart=) since it was last started by hand. */
  readonly restarts: number | undefined;
}

/** `systemctl show`'s uint64 for "no value" when a tool prints it raw rather than "[not set]". */
const UINT64_MAX = "18446744073709551615";

/** "Mon 2026-11-23 10:00:00 UTC" (the weekday dropped; Date reads the rest), "" when never. */
function timestamp(text: string): Date | undefined {
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
}

function quantity(text: string): number | undefined {
  if (!/^\d+$/.test(text) || text === UINT64_MAX) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Host `systemctl`. */
export function systemctl(runner: Runner) {
  /** `KEY=value` lines of `systemctl show`, each read as what it is. */
  async function show<K extends string>(unit: string, keys: readonly K[]) {
    const { stdout } = await runner.run([
      "systemctl",
      "show",
      unit,
      `--property=${keys.join(",")}`,
      "--no-pager",
    ]);
    const raw = new Map(
      stdout
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const values: Record<string, number | Date | undefined> = {};
    for (const key of keys) {
      const text = raw.get(key) ?? "";
      values[key] = key.endsWith("Timestamp") ? timestamp(text) : quantity(text);
    }
    return values as { ActiveEnterTimestamp?: Date } & Record<
      Exclude<K, "ActiveEnterTimestamp">,
      number | undefined
    >;
  }

  return {
    /** When `unit` last became active, or undefined when it is not active. */
    async activeSince(unit: string): Promise<Date | undefined> {
      return (await show(unit, ["ActiveEnterTimestamp"])).ActiveEnterTimestamp;
    },

    /**
     * What a unit's cgroup has used, from systemd's accounting: CPU time, memory now and at its
     * peak (MemoryPeak: systemd 256 and later), since when it runs, and how often systemd
     * restarted it (NRestarts: container@.service has Restart=on-failure). A value systemd does
     * not have ("[not set]": accounting off, the unit not running) is undefined.
     */
    async resources(unit: string): Promise<UnitResources> {
      const values = await show(unit, [
        "CPUUsageNSec",
        "MemoryCurrent",
        "MemoryPeak",
        "ActiveEnterTimestamp",
        "NRestarts",
      ]);
      return {
        cpuNs: values.CPUUsageNSec,
        memoryBytes: values.MemoryCurrent,
        memoryPeakBytes: values.MemoryPeak,
        activeSince: values.ActiveEnterTimestamp,
        restarts: values.NRestarts,
      };
    },

    /**
     * Applies cgroup limits to a unit now (host-cli-reference.md: set-property changes a unit's
     * limits at runtime). --runtime: they last until the next boot, when the drop-in that
     * install wrote, which says the same, is what counts.
     */
    async setLimits(unit: string, limits: ContainerInstall["limits"]): Promise<void> {
      await runner.run([
        "systemctl",
        "set-property",
        "--runtime",
        unit,
        ...limitAssignments(limits),
      ]);
    },

    /** Whether a unit file is known to systemd (e.g. the container@.service template). */
    async unitExists(unit: string): Promise<boolean> {
      const { exitCode } = await runner.run(["systemctl", "cat", unit], { allowExitCodes: [1] });
      return exitCode === 0;
    },
  };
}

export type Systemctl = ReturnType<typeof systemctl>;
