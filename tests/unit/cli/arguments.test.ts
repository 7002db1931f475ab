import { describe, expect, it } from "vitest";
import { duration, pointInTime } from "../../../src/cli/arguments.js";

describe("pointInTime", () => {
  const at = pointInTime(() => Date.parse("2026-12-02T12:00:00Z"));
  it("reads ages back from now and dates and times as UTC", () => {
    expect(new Date(at("90m")).toISOString()).toBe("2026-12-02T10:30:00.000Z");
    expect(new Date(at("2w")).toISOString()).toBe("2026-11-18T12:00:00.000Z");
    expect(new Date(at("2026-12-01")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(new Date(at("2026-12-01T10:00")).toISOString()).toBe("2026-12-01T10:00:00.000Z");
  });
  it("refuses what is not a real time rather than roll it over", () => {
    for (const text of ["2026-02-31", "2026-12-01T24:00", "yesterday", "1y", ""])
      expect(() => at(text), text).toThrow(/an age such as 30m/);
  });
});

describe("duration", () => {
  it("reads 30m, 12h, 3d, 2w and refuses the rest", () => {
    expect([duration("30m"), duration("12h"), duration("3d"), duration("2w")]).toEqual([
      1_800_000, 43_200_000, 259_200_000, 1_209_600_000,
    ]);
    for (const text of ["3", "3 days", "-1d", "1.5d", "1y"])
      expect(() => duration(text), text).toThrow(/a duration is/);
  });
});
