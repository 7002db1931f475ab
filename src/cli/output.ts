import { formatSize } from "../size.js";

/** Prints rows as aligned columns for people; `—` stands in for missing values. */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  const cell = (value: unknown) =>
    value === undefined || value === null || value === "" ? "—" : String(value);
  const table = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((row) => columns.map((c) => cell(row[c]))),
  ];
  const widths = columns.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
  return table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const bytes = (value: number | undefined) =>
  value === undefined ? undefined : formatSize(value);

/** "3d 4h", "5h 12m", "42s": uptime as a person reads it. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return "0s";
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(" ");
}

export const isoDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
