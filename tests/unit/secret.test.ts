import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/secret.js";

describe("Secret", () => {
  it("shows a mask in every printed form and the value only through reveal()", () => {
    const secret = new Secret("hunter2-hunter2");
    const printed = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect({ secret }, { depth: 3 }),
    ];
    for (const text of printed) expect(text).not.toContain("hunter2");
    expect(secret.reveal()).toBe("hunter2-hunter2");
  });
});
