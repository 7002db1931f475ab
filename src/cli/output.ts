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

export const isoDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
