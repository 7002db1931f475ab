import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/secret.js";
import { secretBox, SecretUnreadable } from "../../../src/workloads/primitives/secret-box.js";
import { TEST_SECRETS } from "../../support/secrets.js";

const VALUE = new Secret(TEST_SECRETS.upstreamKey);

describe("secretBox", () => {
  const box = secretBox(randomBytes(32));

  it("opens what it sealed, for the same secret only", () => {
    const sealed = box.seal(VALUE, "secret:1:1001:claude");
    expect(sealed.includes(Buffer.from(TEST_SECRETS.upstreamKey))).toBe(false);
    expect(box.open(sealed, "secret:1:1001:claude").reveal()).toBe(TEST_SECRETS.upstreamKey);
    expect(() => box.open(sealed, "secret:2:2002:claude")).toThrow(SecretUnreadable);
  });

  it("seals the same value differently every time (a fresh nonce)", () => {
    expect(box.seal(VALUE, "c").equals(box.seal(VALUE, "c"))).toBe(false);
  });

  it("refuses a value changed in any byte, cut short, or sealed under another key", () => {
    const sealed = box.seal(VALUE, "c");
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(() => box.open(tampered, "c"), `byte ${i}`).toThrow(SecretUnreadable);
    }
    expect(() => box.open(sealed.subarray(0, 20), "c")).toThrow(SecretUnreadable);
    expect(() => secretBox(randomBytes(32)).open(sealed, "c")).toThrow(SecretUnreadable);
  });

  it("says nothing of the value when it refuses", () => {
    const error = (() => {
      try {
        box.open(Buffer.alloc(40, 1), "secret:1:1001:claude");
      } catch (e) {
        return e as SecretUnreadable;
      }
    })();
    expect(error?.message).not.toContain(TEST_SECRETS.upstreamKey);
    expect(error?.userMessage).toMatch(/remove it and add it again/);
  });

  it("takes only a 32-byte key", () => {
    expect(() => secretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
