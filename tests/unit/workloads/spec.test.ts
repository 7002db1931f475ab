import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { containerName } from "../../../src/workloads/index.js";
import { suggestFreeName } from "../../../src/workloads/primitives/free-name.js";

describe("containerName", () => {
  it("accepts exactly the names nspawn and the host veth allow", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const ok = containerName.safeParse(text).success;
        expect(ok).toBe(/^[a-z0-9](?:[a-z0-9-]{0,9}[a-z0-9])?$/.test(text.trim()));
      }),
    );
  });

  it("refuses capitals, naming a name that can be used, rather than lowering them", () => {
    const message = (text: string) => containerName.safeParse(text).error?.issues[0]?.message;
    expect(message("Dev")).toBe('Container names are lowercase: try "dev".');
    expect(message("Bad_Name")).toBe('Container names are lowercase: try "bad-name".');
    // No suggestion that would itself be refused.
    expect(message("A_Very_Long_Name")).toBe("Container names are lowercase.");
  });
});

describe("suggestFreeName", () => {
  it("suggests the first free numbered variant within 11 characters", () => {
    const taken = new Set(["dev", "dev-2"]);
    expect(suggestFreeName("dev", (n) => taken.has(n))).toBe("dev-3");
    expect(suggestFreeName("abcdefghijk", () => false)).toBe("abcdefghi-2");
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,9}[a-z0-9])?$/), (name) => {
        const suggestion = suggestFreeName(name, (n) => n === name);
        expect(containerName.safeParse(suggestion).success).toBe(true);
        expect(suggestion).not.toBe(name);
      }),
    );
  });
});
