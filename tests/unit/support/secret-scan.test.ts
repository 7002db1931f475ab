import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { assertNoSecretsIn, TEST_SECRETS } from "../../support/secrets.js";

// The suite-wide leak scan is itself tested: a scan that cannot fail would prove nothing.
describe("the secret scan at the end of every test", () => {
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "voxnix-scan-"));
    onTestFinished(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  it("finds a secret inside a log line, however deep the file", () => {
    const d = dir();
    mkdirSync(join(d, "a/b"), { recursive: true });
    writeFileSync(
      join(d, "a/b/voxnix.log"),
      `{"msg":"calling","url":"/bot${TEST_SECRETS.botToken}/getMe"}\n`,
    );
    expect(() => assertNoSecretsIn(d)).toThrow(/a\/b\/voxnix\.log contains the botToken/);
  });

  it("accepts a file that is nothing but the secret: a key file", () => {
    const d = dir();
    writeFileSync(join(d, "tailscale-auth-key"), `${TEST_SECRETS.tailscaleKey}\n`);
    writeFileSync(join(d, "spec.json"), `{"tailscale":{"authKeyFile":"/run/x"}}`);
    expect(() => assertNoSecretsIn(d)).not.toThrow();
  });

  it("skips only the paths it is told the harness wrote", () => {
    const d = dir();
    mkdirSync(join(d, "bin"));
    writeFileSync(join(d, "bin/zfs"), `token=${TEST_SECRETS.botToken}`);
    writeFileSync(join(d, "binary.log"), `token=${TEST_SECRETS.botToken}`);
    expect(() => assertNoSecretsIn(d, [join(d, "bin")])).toThrow(
      /binary\.log contains the botToken/,
    );
    expect(() => assertNoSecretsIn(d, [join(d, "bin"), join(d, "binary.log")])).not.toThrow();
  });
});
