import { InvalidArgumentError } from "commander";
import { parseSize } from "../size.js";

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
