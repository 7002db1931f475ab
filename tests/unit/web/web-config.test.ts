import { describe, expect, it } from "vitest";
import { ConfigError, describeConfig, loadConfig } from "../../../src/config.js";

const ENV = { VOXNIX_ADMINS: "1" };

const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...ENV, ...env }, { purpose: "admin" });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
};

describe("the Mini App's configuration", () => {
  it("is off without VOXNIX_WEB_URL, and listens on loopback port 8470 unless told", () => {
    const config = loadConfig(ENV, { purpose: "admin" });
    expect(config.web).toEqual({ url: undefined, listen: { host: "127.0.0.1", port: 8470 } });
    expect(describeConfig(config)).toMatchObject({
      VOXNIX_WEB_URL: "(unset: no web app)",
      VOXNIX_WEB_LISTEN: "127.0.0.1:8470",
    });
  });

  it("takes an https URL (its last slash dropped) and a loopback address", () => {
    const config = loadConfig(
      {
        ...ENV,
        VOXNIX_WEB_URL: "https://voxnix.tail1234.ts.net/",
        VOXNIX_WEB_LISTEN: "[::1]:9000",
      },
      { purpose: "admin" },
    );
    expect(config.web).toEqual({
      url: "https://voxnix.tail1234.ts.net",
      listen: { host: "::1", port: 9000 },
    });
  });

  it("refuses a plain http URL and an address beyond loopback", () => {
    expect(problems({ VOXNIX_WEB_URL: "http://voxnix.tail1234.ts.net" })).toEqual([
      "VOXNIX_WEB_URL",
    ]);
    expect(problems({ VOXNIX_WEB_LISTEN: "0.0.0.0:8470" })).toEqual(["VOXNIX_WEB_LISTEN"]);
  });
});
