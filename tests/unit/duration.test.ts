import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [42_000, "42s"],
    [5 * 3_600_000 + 12 * 60_000 + 9_000, "5h 12m"],
    [3 * 86_400_000 + 4 * 3_600_000, "3d 4h"],
    [86_400_000 + 30_000, "1d"],
  ])("shows %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
