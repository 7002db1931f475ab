#!/usr/bin/env node
// `npm run demo`: voxnix to try in one command, on a machine without NixOS and without a bot
// token. A fake host (the tools the tests use, this process serving them) and a throwaway state
// directory, then the bot in the terminal (`voxnix chat`) with you as its admin: every command
// and button works as on Telegram, fork included (real files need root; without it the fakes
// keep contents in their state). The model comes from LLM_* when set (.env or the environment);
// without it, commands only. Everything is removed when you leave (/quit or Ctrl-D).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHostDir } from "./lib/create-host.mjs";
import { unmountAllUnder } from "./lib/real-mounts.mjs";
import { startToolServer } from "./lib/server.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const YOU = "1";

if (existsSync(join(ROOT, ".env"))) process.loadEnvFile(join(ROOT, ".env"));
const dir = mkdtempSync(join(tmpdir(), "voxnix-demo-"));
const host = createHostDir(join(dir, "host"), {
  settings: { realMounts: process.getuid?.() === 0 },
});
const server = await startToolServer(host.dir);
const withModel = Boolean(process.env.LLM_BASE_URL || process.env.LLM_API_KEY);
const env = {
  ...process.env,
  PATH: `${host.bin}:${process.env.PATH ?? ""}`,
  VOXNIX_STATE_DIR: join(dir, "state"),
  VOXNIX_ADMINS: YOU,
  VOXNIX_USERS: "",
  VOXNIX_STORAGE: "zfs",
  ZFS_POOL: "tank",
  VOXNIX_NIX_DIR: ROOT.replace(/\/$/, ""),
  VOXNIX_HOST_ROOT: host.root,
  VOXNIX_HOST_MOUNT_NAMESPACE: "/proc/self/ns/mnt",
};
process.stdout.write(
  `voxnix demo: a fake host in ${dir}, you are admin ${YOU}; ` +
    `${withModel ? `the model at ${process.env.LLM_BASE_URL ?? "OpenRouter"}` : "no model (set LLM_* for one): commands only"}.\n` +
    "Try /new dev git, /list, /snapshot dev, /fork dev copy, /destroy dev, /restore.\n",
);
const chat = spawn(
  process.execPath,
  [
    "--enable-source-maps",
    // The tests run the demo on their own bundle of src/ (tests/cli/demo.test.ts).
    process.env.VOXNIX_DEMO_MAIN ?? join(ROOT, "dist/main.js"),
    "chat",
    "--as",
    YOU,
    ...(withModel ? [] : ["--commands-only"]),
  ],
  { env, stdio: "inherit" },
);
const code = await new Promise((resolve) => chat.on("exit", (c) => resolve(c ?? 1)));
await server.close();
unmountAllUnder(dir);
rmSync(dir, { recursive: true, force: true });
process.exit(code);
