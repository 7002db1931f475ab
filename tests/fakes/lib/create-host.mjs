// Lays out a fake host: bin/ with one wrapper per tool (each pins VOXNIX_FAKE_HOST to this
// host, so the daemon's runner can keep its strict environment allowlist) and fresh state.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initialState, paths } from "./state.mjs";

export const FAKE_TOOLS = [
  "zfs",
  "zpool",
  "extra-container",
  "nixos-container",
  "machinectl",
  "systemctl",
  "journalctl",
];
const TOOLS_DIR = fileURLToPath(new URL("../tools/", import.meta.url));

const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * @param {string} dir  an empty or missing directory
 * @param {{ settings?: object, pool?: string, tools?: string[] }} [options]
 *   tools: which tools to install (default all); leave one out to test a missing binary
 */
export function createHostDir(dir, options = {}) {
  const p = paths(dir);
  const bin = join(dir, "bin");
  for (const d of [bin, p.root, p.confDir, p.unitDir, p.gcrootDir, p.pids])
    mkdirSync(d, { recursive: true });
  for (const tool of options.tools ?? FAKE_TOOLS) {
    const wrapper = join(bin, tool);
    writeFileSync(
      wrapper,
      `#!/bin/sh\nVOXNIX_FAKE_HOST=${quote(dir)} exec ${quote(process.execPath)} ${quote(join(TOOLS_DIR, `${tool}.mjs`))} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
  const state = initialState(options.settings);
  const pool = options.pool ?? "tank";
  state.datasets[pool] = {
    props: {},
    mounted: true,
    usedBytes: 0,
    creation: Math.floor(Date.now() / 1000),
  };
  writeFileSync(p.state, JSON.stringify(state, null, 1));
  writeFileSync(p.faults, "[]");
  writeFileSync(p.calls, "");
  return { dir, bin, ...p };
}
