import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSize, parseSize } from "../../src/size.js";

describe("parseSize", () => {
  it.each([
    ["10G", 10 * 1024 ** 3],
    ["512M", 512 * 1024 ** 2],
    ["1.5T", 1.5 * 1024 ** 4],
    ["2048", 2048],
    ["4GiB", 4 * 1024 ** 3],
    ["64k", 64 * 1024],
  ])("reads %s as %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(["lots", "", "10X", "-1G", "G", "1..2G"])("rejects %j", (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe("formatSize", () => {
  it("uses the largest unit and at most one decimal", () => {
    expect(formatSize(10 * 1024 ** 3)).toBe("10G");
    expect(formatSize(1536)).toBe("1.5K");
    expect(formatSize(500)).toBe("500B");
    expect(formatSize(0)).toBe("0B");
  });

  it("gives text that parseSize reads back within rounding (one decimal: under 5%)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (bytes) => {
        const back = parseSize(formatSize(bytes));
        expect(back).toBeDefined();
        expect(Math.abs((back ?? 0) - bytes)).toBeLessThanOrEqual(bytes * 0.05);
      }),
    );
  });
});
