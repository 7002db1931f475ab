import { execa } from "execa";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";

const DEMO = fileURLToPath(new URL("../fakes/demo.mjs", import.meta.url));

describe("npm run demo", () => {
  it("runs the bot in the terminal on a fake host with the caller as admin, and leaves nothing", async () => {
    const result = await execa(process.execPath, [DEMO], {
      cwd: tempDir(),
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/root",
        VOXNIX_DEMO_MAIN: inject("voxnixMain"),
      },
      extendEnv: false,
      input: "/new dev git\n/snapshot dev v1\n/list\nhello\n/users\n",
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode).toBe(0);
    const dir = /a fake host in (\S+), you are admin 1; no model/.exec(result.stdout)?.[1];
    expect(dir).toBeDefined();
    expect(result.stdout).toContain("voxnix> ✅ dev is running (git, workspace).");
    expect(result.stdout).toContain("voxnix> 📸 Snapshot v1 of dev taken.");
    expect(result.stdout).toContain("voxnix> Use the commands: /help.");
    // An admin's command answers: the caller is the admin.
    expect(result.stdout).not.toContain("I do not know that command");
    expect(existsSync(dir as string)).toBe(false);
  });
});
