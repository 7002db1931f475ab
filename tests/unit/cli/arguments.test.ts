import { describe, expect, it } from "vitest";
import { pointInTime } from "../../../src/cli/arguments.js";

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
