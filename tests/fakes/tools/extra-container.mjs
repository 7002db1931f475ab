// Fake `extra-container` (v0.13/v0.14), as in host-cli-reference.md.
//
// It cannot evaluate Nix, so `create` finds the containers it defines by reading the spec JSON
// files that the definition (FILE or -E EXPR) names by absolute path, and taking each one's
// `name`: the daemon's definitions import mkContainer.nix on exactly such a file. Everything
// observable afterwards is the real tool's: stdout/stderr text, exit codes, the files it writes
// (conf last), replace-on-existing-name, and a destroy that exits 0 whatever happened.
import { existsSync, readFileSync } from "node:fs";
import {
  confFor,
  install,
  isInstalled,
  isRunning,
  readConf,
  start,
  stop,
  uninstall,
  unitNames,
  workspaceOf,
} from "../lib/containers.mjs";
import { assertWorkspaceMounted } from "../lib/real-mounts.mjs";
import { nixosContainer } from "../lib/nixos-container.mjs";
import { readState, recordCall, updateState } from "../lib/state.mjs";
import { checkpoints, die, err, out, defineTool, sleep, ToolExit } from "../lib/tool.mjs";

const SCRIPT =
  "/nix/store/00000000000000000000000000000000-extra-container-0.14/bin/extra-container";
const USAGE = `Usage:
extra-container list
extra-container create <container-config-file> [--start|-s] [--update-changed|-u] [--restart-changed|-r]
extra-container destroy <container-name>...|--all|-a
extra-container restart <container>...
extra-container start|stop|status|run|show-ip ...  (passed to nixos-container)
`;

function parseCreate(args) {
  const options = { start: false, file: undefined, expr: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-s" || arg === "--start") options.start = true;
    else if (arg === "-E" || arg === "--expr") options.expr = args[++i];
    else if (["-A", "--attr", "--nixpkgs-path", "--nixos-path"].includes(arg)) i++;
    else if (arg === "--build-args") break;
    else if (arg.startsWith("-"))
      continue; // -u, -r, --ssh, --update-changed …
    else options.file ??= arg;
  }
  return options;
}

/** The specs a definition refers to, as mkContainer would read them with builtins.fromJSON. */
function specsOf(definition) {
  const paths = [...new Set(definition.match(/\/[^\s"';)]+\.json/g) ?? [])];
  if (paths.length === 0) {
    die(
      "error: fake extra-container: the definition names no spec JSON file, so the fake cannot tell which containers it defines",
    );
  }
  return paths.map((path) => {
    if (!existsSync(path)) die(`error: getting status of '${path}': No such file or directory`);
    const spec = JSON.parse(readFileSync(path, "utf8"));
    if (typeof spec.name !== "string") die(`error: voxnix: spec ${path} has no "name"`);
    return spec;
  });
}

async function create(args) {
  const checkpoint = checkpoints("extra-container", args, "create");
  const options = parseCreate(args.slice(1));
  let definition;
  if (options.expr !== undefined) definition = options.expr;
  else if (options.file === undefined || options.file === "-")
    die("error: no container definition given");
  else if (!existsSync(options.file))
    die(`error: getting status of '${options.file}': No such file or directory`);
  else definition = readFileSync(options.file, "utf8");

  err("Building containers...\n");
  await checkpoint("before");
  const specs = specsOf(definition);
  const { buildDelayMs } = readState().settings;
  if (buildDelayMs > 0) await sleep(buildDelayMs);
  await checkpoint("install");

  const installed = [];
  const changed = [];
  for (const spec of specs) {
    const conf = confFor(spec);
    const previous = readConf(spec.name);
    if (previous === conf) installed.push(`${spec.name} (unchanged, skipped)`);
    else {
      install(spec.name, conf);
      installed.push(spec.name);
      if (previous !== undefined) changed.push(spec.name);
    }
  }
  out(`\nInstalling containers:\n${installed.join("\n")}\n\n`);

  const state = readState();
  const restarting = changed.filter((name) => isRunning(state, name));
  const starting = options.start
    ? specs.map((s) => s.name).filter((name) => !isRunning(state, name))
    : [];
  if (starting.length > 0 || restarting.length > 0) {
    try {
      await checkpoint("start");
    } catch (error) {
      // The real script dies under `set -e` after printing what it had done.
      if (error instanceof ToolExit) {
        throw new ToolExit(error.code, {
          stdout: `Error at ${SCRIPT}:412\n`,
          stderr: error.stderr,
        });
      }
      throw error;
    }
    const { startDelayMs, realMounts } = readState().settings;
    if (startDelayMs > 0) await sleep(startDelayMs);
    if (realMounts)
      for (const name of [...starting, ...restarting])
        assertWorkspaceMounted(name, workspaceOf(name));
    updateState((s) => {
      for (const name of restarting) stop(s, name);
      for (const name of [...starting, ...restarting]) start(s, name);
    });
    if (starting.length > 0) out(`Starting containers:\n${starting.join("\n")}\n\n`);
    if (restarting.length > 0) out(`Restarting containers:\n${restarting.join("\n")}\n\n`);
  }
}

async function destroy(args) {
  const names = args.slice(1);
  if (names.length === 0) die("No container name specified");
  await checkpoints("extra-container", args, "destroy")();
  const targets = names.includes("--all") || names.includes("-a") ? unitNames() : names;
  for (const name of targets) {
    // Every step is `|| true` in the real script: a missing container is not an error.
    updateState((state) => stop(state, name));
    uninstall(name);
  }
}

async function restart(args) {
  const names = args.slice(1);
  await checkpoints("extra-container", args, "restart")();
  for (const name of names) {
    if (!isInstalled(name))
      die(`Failed to start container@${name}.service: Unit container@${name}.service not found.`);
    updateState((state) => {
      stop(state, name);
      start(state, name);
    });
  }
}

export default defineTool("extra-container", async (args) => {
  const [verb] = args;
  if (verb === undefined || verb === "help" || verb === "-h" || verb === "--help") {
    out(USAGE);
    return;
  }
  if (!readState().settings.systemd) die("extra-container requires systemd");
  switch (verb) {
    case "create":
    case "add":
      return create(args);
    case "destroy":
      return destroy(args);
    case "list":
      await checkpoints("extra-container", args, "list")();
      out(
        unitNames()
          .map((n) => `${n}\n`)
          .join(""),
      );
      return;
    case "restart":
      return restart(args);
    default:
      // `exec nixos-container "$@"` in the real script.
      recordCall("nixos-container", args);
      return nixosContainer(args);
  }
});
