import { InvalidArgumentError, type Command } from "commander";
import { parseDuration } from "../duration.js";
import { parseSize } from "../size.js";
import { parseIdlePeriod } from "../workloads/idle-text.js";

/**
 * Parsers for CLI arguments: each refuses text that is not what it names, so commander reports
 * the flag and the value in one line and the CLI exits 64 (EX_USAGE). Ranges (how many CPUs are
 * allowed) are workloads' to decide, as for a chat request.
 */
export const positiveInt = (label: string) => (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`${label} must be a positive whole number, not "${text}".`);
  return n;
};

/** A CPU count such as 1, 2 or 0.5. */
export function cpuCount(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n))
    throw new InvalidArgumentError(`CPUs are a number such as 1, 2 or 0.5, not "${text}".`);
  return n;
}

/** A size such as 512M or 4G, in bytes. */
export function byteSize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new InvalidArgumentError(
      `a size is a number and a unit, such as 512M or 4G, not "${text}".`,
    );
  return bytes;
}

/** A duration such as 30m, 12h, 3d or 2w, in ms. */
export function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new InvalidArgumentError(
      `a duration is a number and m, h, d or w (30m, 3d), not "${text}".`,
    );
  return ms;
}

/** An idle period: a duration, "never" (0) or "default" (the host's: undefined). */
export function idlePeriod(text: string): { ms: number | undefined } {
  const parsed = parseIdlePeriod(text);
  if (parsed === null)
    throw new InvalidArgumentError(
      `an idle period is a duration such as 12h or 3d, "never" or "default", not "${text}".`,
    );
  return parsed;
}

/** A point in time: an age such as 30m, 12h, 1d or 2w back from now, or a date or time in UTC. */
export const pointInTime =
  (now: () => number = Date.now) =>
  (text: string): number => {
    const trimmed = text.trim();
    if (/^\d+[mhdw]$/.test(trimmed)) return now() - duration(trimmed);
    // Date.parse reads a time without a zone as local time: the audit's times are UTC.
    const utc = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?Z?$/.test(trimmed)
      ? Date.parse(trimmed.includes("T") && !trimmed.endsWith("Z") ? `${trimmed}Z` : trimmed)
      : Number.NaN;
    // Date.parse rolls 2026-02-31 over into March: a date must read back as it was written.
    const asWritten = (ms: number) =>
      new Date(ms).toISOString().startsWith(trimmed.replace(/Z$/, "").slice(0, 16));
    if (Number.isNaN(utc) || !asWritten(utc))
      throw new InvalidArgumentError(
        `a time is an age such as 30m, 12h, 1d or 2w, or a UTC date such as 2026-12-01, not "${text}".`,
      );
    return utc;
  };

/** "git, fish" → ["git", "fish"]: a comma-separated list, blanks dropped. */
export const commaList = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** `--cpu` and `--memory`, as create and set take them. */
export const withLimitOptions = (command: Command) =>
  command
    .option("--cpu <n>", "CPUs, e.g. 2 or 0.5", cpuCount)
    .option("--memory <size>", "memory, e.g. 4G", byteSize);

/** What `--cpu` and `--memory` asked for, as workloads' input names it. */
export const limitsInput = (opts: { cpu?: number; memory?: number }) => ({
  ...(opts.cpu !== undefined ? { cpus: opts.cpu } : {}),
  ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
});
