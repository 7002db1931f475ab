#!/usr/bin/env node
// Creates a fake host for trying voxnix by hand on a machine without NixOS:
//   eval "$(node tests/fakes/make-fake-host.mjs /tmp/vox-host)"
//   voxnix create dev --modules git,fish --as 1001
// Prints the exports that put the fakes first on PATH. The host's tool server keeps running in
// the background until `kill "$(cat /tmp/vox-host/server.pid)"`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createHostDir } from "./lib/create-host.mjs";
import { startToolServer } from "./lib/server.mjs";

const [dir = "/tmp/voxnix-fake-host", mode] = process.argv.slice(2);
if (mode === "--serve") {
  // The background half: serve until killed.
  await startToolServer(dir);
  writeFileSync(`${dir}/server.pid`, String(process.pid));
} else {
  const where = resolve(dir);
  // A folder used before: its server goes, so the pid printed below is the one that serves.
  const pidFile = `${where}/server.pid`;
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(pidFile, { force: true });
  rmSync(`${where}/port`, { force: true });
  const host = createHostDir(where);
  const server = spawn(process.execPath, [new URL(import.meta.url).pathname, where, "--serve"], {
    detached: true,
    stdio: "ignore",
  });
  server.unref();
  const serving = () => existsSync(pidFile) && readFileSync(pidFile, "utf8") === String(server.pid);
  while (!serving()) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(
    `export PATH=${host.bin}:$PATH\nexport VOXNIX_HOST_ROOT=${host.root}\n` +
      // The fakes model ZFS on pool tank; a .env copied from .env.example would say dir.
      `export VOXNIX_STORAGE=zfs ZFS_POOL=tank\n` +
      // zfs runs where voxnix runs: the fakes' server shares your shell's mount namespace.
      `export VOXNIX_HOST_MOUNT_NAMESPACE=/proc/self/ns/mnt\n` +
      `# fake host in ${where}: calls in ${host.calls}, state in ${host.state};\n` +
      `# its tool server runs until: kill "$(cat ${where}/server.pid)"\n`,
  );
}
