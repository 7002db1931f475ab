import { describe, expect, it } from "vitest";
import {
  ConfigError,
  describeConfig,
  loadConfig,
  secretsKeyBytes,
  secretValues,
} from "../../src/config.js";
import { TEST_SECRETS } from "../support/secrets.js";

const KEY_HEX = TEST_SECRETS.secretsKey;
const load = (env: Record<string, string>, content: string) =>
  loadConfig({ VOXNIX_ADMINS: "1", ...env }, { purpose: "admin", readFile: () => content });

describe("VOXNIX_SECRETS_KEY_FILE", () => {
  it("turns secrets on with a 32-byte key, in hex or base64, never shown", () => {
    const config = load({ VOXNIX_SECRETS_KEY_FILE: "/run/agenix/k" }, `${KEY_HEX}\n`);
    expect(config.secrets).toMatchObject({ egressPort: 3129, extraCaFile: undefined });
    expect(secretsKeyBytes(config.secrets?.key as never)?.toString("hex")).toBe(KEY_HEX);
    expect(secretValues(config)).toContain(KEY_HEX);
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain(KEY_HEX);
    expect(describeConfig(config).VOXNIX_SECRETS_KEY_FILE).toBe("(set, hidden)");
    const base64 = Buffer.from(KEY_HEX, "hex").toString("base64");
    expect(load({ VOXNIX_SECRETS_KEY_FILE: "/k" }, base64).secrets).toBeDefined();
  });

  it("is off without the key file", () => {
    const config = load({}, "");
    expect(config.secrets).toBeUndefined();
    expect(describeConfig(config).VOXNIX_SECRETS_KEY_FILE).toBe("(unset: no /secret, no proxy)");
  });

  it("refuses a key of the wrong size without echoing it, and a bad port", () => {
    let error: unknown;
    try {
      load({ VOXNIX_SECRETS_KEY_FILE: "/k", VOXNIX_EGRESS_PORT: "70000" }, "too-short-key");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain("VOXNIX_SECRETS_KEY_FILE: /k does not hold a 32-byte key");
    expect(message).toContain("VOXNIX_EGRESS_PORT: expected a whole number from 1 to 65535");
    expect(message).not.toContain("too-short-key");
  });
});
