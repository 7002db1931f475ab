// Lays out a fake host: bin/ with one client per tool, which hands its argv to the host's tool
// server (server.mjs; the host directory is written into each client, so the daemon's runner
// can keep its strict environment allowlist), and fresh state.
import { accessSync, chmodSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { initialState, paths } from "./state.mjs";

export const FAKE_TOOLS = [
  "zfs",
  "zpool",
  "chown",
  "nix-build",
  "nix-instantiate",
  "nixos-container",
  "machinectl",
  "systemctl",
  "systemd-run",
  "journalctl",
];

const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

/** An absolute path to `program` on this machine's PATH: the daemon runs fakes with a bare PATH. */
function locate(program) {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`fake host: ${program} is not on PATH`);
}

/** The client for one tool: bash alone (its /dev/tcp and builtins). */
function client(dir, tool) {
  const bash = locate("bash");
  return `#!${bash}
# Fake \`${tool}\`: runs in the tool server of the fake host below (tests/fakes/lib/server.mjs).
host=${quote(dir)}
{ read -r port <"$host/port" && exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || {
  echo "fake ${tool}: the tool server of $host is not running" >&2
  exit 70
}
printf '%s\\0' "$#" "$$" ${quote(tool)} "$@" >&3
read -r verdict code id <&3 || { echo "fake ${tool}: the tool server went away" >&2; exit 70; }
if [ "$verdict" = hang ]; then
  # Blocks until killed; the grandchild is in this process group, as a real tool's would be.
  if [ "$code" = 1 ]; then
    (read -r _ <&3) &
    echo ${quote(tool)} >"$host/pids/$!"
  fi
  read -r _ <&3
  exit 70
fi
# Printed by bash itself: a cat per stream was a fork and an exec, a third of a call's cost.
# read -d '' takes the whole file (it has no NUL; nor does any output the fakes give).
if [ -s "$host/io/$id.out" ]; then IFS= read -r -d '' out <"$host/io/$id.out"; printf '%s' "$out"; fi
if [ -s "$host/io/$id.err" ]; then IFS= read -r -d '' err <"$host/io/$id.err"; printf '%s' "$err" >&2; fi
exit "$code"
`;
}

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
    writeFileSync(wrapper, client(dir, tool));
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
