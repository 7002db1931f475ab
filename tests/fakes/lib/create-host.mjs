// Lays out a fake host: bin/ with one client per tool, which hands its argv to the host's tool
// server (server.mjs), and fresh state. A client is client.c compiled once (the fast one) where
// there is a C compiler, else a few lines of bash with the host directory written in; either way
// the daemon's runner keeps its strict environment allowlist.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
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

const CLIENT_SOURCE = new URL("./client.c", import.meta.url);
/** This process's compiledClient(): its path, "" when it cannot be built, unset before. */
let compiled;

/**
 * client.c compiled, where this machine has a C compiler: its path, or undefined. Built once per
 * version of the source into the temporary directory (a test run's tmpfs, where hosts are made,
 * so a host links rather than copies it), by whichever process gets there first.
 */
function compiledClient() {
  if (compiled !== undefined) return compiled || undefined;
  const source = readFileSync(CLIENT_SOURCE);
  const key = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const binary = join(tmpdir(), `voxnix-fake-client-${key}`);
  if (!existsSync(binary)) {
    const partial = `${binary}.${process.pid}.partial`;
    try {
      // Static: nothing for the dynamic loader to do at each of the suite's thousands of calls.
      execFileSync("cc", ["-O2", "-static", "-o", partial, "-x", "c", "-"], {
        input: source,
        stdio: ["pipe", "ignore", "pipe"],
      });
      renameSync(partial, binary);
    } catch {
      rmSync(partial, { force: true });
      compiled = "";
      return undefined;
    }
  }
  compiled = binary;
  return binary;
}

/** Puts the compiled client at `path`: a hard link on the same file system, else a copy. */
function installCompiled(binary, path) {
  rmSync(path, { force: true }); // a host laid out again (make-fake-host.mjs on its old dir)
  try {
    linkSync(binary, path);
  } catch (error) {
    if (error.code !== "EXDEV") throw error;
    copyFileSync(binary, path);
    chmodSync(path, 0o755);
  }
}

/** The bash client for one tool (its /dev/tcp and builtins): where nothing can compile client.c. */
function bashClient(dir, tool) {
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
 * @param {{ settings?: object, pool?: string, tools?: string[], client?: "compiled" | "bash" }} [options]
 *   tools: which tools to install (default all); leave one out to test a missing binary
 *   client: "bash" for the bash client even where client.c compiles (its own tests)
 */
export function createHostDir(dir, options = {}) {
  const p = paths(dir);
  const bin = join(dir, "bin");
  for (const d of [bin, p.root, p.confDir, p.unitDir, p.gcrootDir, p.pids])
    mkdirSync(d, { recursive: true });
  const binary = options.client === "bash" ? undefined : compiledClient();
  for (const tool of options.tools ?? FAKE_TOOLS) {
    const path = join(bin, tool);
    if (binary) {
      installCompiled(binary, path);
      continue;
    }
    writeFileSync(path, bashClient(dir, tool));
    chmodSync(path, 0o755);
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
