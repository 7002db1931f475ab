/**
 * Byte sizes as people and ZFS write them: `10G`, `512M`, `1.5T`, `2048`.
 *
 * Units are binary (K = 1024), as in ZFS and systemd, so `10G` means the same to voxnix, to
 * `zfs set quota=10G` and to `MemoryMax=10G`.
 */
const UNITS = ["", "K", "M", "G", "T", "P"] as const;
const SIZE = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:i?B)?$/i;

/** Parses a size into bytes; returns undefined for anything that is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const [, amount = "", unit = ""] = match;
  const exponent = UNITS.indexOf(unit.toUpperCase() as (typeof UNITS)[number]);
  const bytes = Math.round(Number(amount) * 1024 ** exponent);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Formats bytes with the largest unit that keeps at least 1, at most one decimal: `1.5G`; under
 * 1K in bytes, `0B`, as `zfs list` prints them (a bare "0" reads as a missing figure).
 */
export function formatSize(bytes: number): string {
  let exponent = 0;
  while (exponent < UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (exponent + 1)) exponent++;
  const amount = bytes / 1024 ** exponent;
  const text = Number.isInteger(amount) ? String(amount) : amount.toFixed(1).replace(/\.0$/, "");
  return `${text}${UNITS[exponent] || "B"}`;
}
