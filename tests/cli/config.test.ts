import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { voxnix } from "../support/voxnix-process.js";

describe("voxnix serve with bad configuration", () => {
  it("prints every problem in one message and exits 78 (EX_CONFIG)", async () => {
    const result = await voxnix(["serve"], {
      env: { ZFS_USER_QUOTA: "lots", VOXNIX_ADMINS: "1001", LLM_API_KEY: "k" },
      cwd: tempDir(),
    });
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "voxnix: invalid configuration (2 problems):",
        '  ZFS_USER_QUOTA: expected a size such as 10G, 512M or 1T (at least 64M) (got "lots")',
        "  TELEGRAM_BOT_TOKEN: required to serve; set it or TELEGRAM_BOT_TOKEN_FILE (the token BotFather gave you)",
        "",
      ].join("\n"),
    );
  });
});

describe("voxnix config check", () => {
  const secrets = {
    TELEGRAM_BOT_TOKEN: "987654:bot-token-secret",
    LLM_API_KEY: "sk-or-llm-key-secret",
  };

  it("prints the effective configuration with secrets masked", async () => {
    const result = await voxnix(["config", "check"], {
      env: { ...secrets, VOXNIX_ADMINS: "1001", ZFS_USER_QUOTA: "20G" },
      cwd: tempDir(),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^TELEGRAM_BOT_TOKEN\s+\(set, hidden\)$/m);
    expect(result.stdout).toMatch(/^ZFS_USER_QUOTA\s+20G$/m);
    expect(result.stdout).toMatch(/configuration ok\n$/);
    for (const value of Object.values(secrets))
      expect(result.stdout + result.stderr).not.toContain(value);
  });

  it("reads .env from the working directory without overriding the environment", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, ".env"),
      `TELEGRAM_BOT_TOKEN=${secrets.TELEGRAM_BOT_TOKEN}\nVOXNIX_ADMINS=1001\nLLM_API_KEY=x\nZFS_POOL=fromfile\n`,
    );
    const result = await voxnix(["config", "check"], { env: { ZFS_POOL: "fromenv" }, cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ZFS_POOL\s+fromenv$/m);
    expect(result.stdout).toMatch(/^VOXNIX_ADMINS\s+1001$/m);
  });
});
