#!/usr/bin/env node
// Creates a fake host for trying voxnix by hand on a machine without NixOS:
//   eval "$(node tests/fakes/make-fake-host.mjs /tmp/vox-host)"
//   voxnix create dev --modules git,fish --as 1001
// Prints the exports that put the fakes first on PATH.
import { resolve } from "node:path";
import { createHostDir } from "./lib/create-host.mjs";

const dir = resolve(process.argv[2] ?? "/tmp/voxnix-fake-host");
const host = createHostDir(dir);
process.stdout.write(
  `export PATH=${host.bin}:$PATH\nexport VOXNIX_CONTAINER_CONF_DIR=${host.confDir}\n` +
    `# fake host in ${dir}: calls in ${host.calls}, state in ${host.state}\n`,
);
