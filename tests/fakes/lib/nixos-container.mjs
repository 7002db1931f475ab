// nixos-container (nixpkgs' Perl script): list, start, stop, status, run, show-ip, destroy.
import { existsSync, lstatSync } from "node:fs";
import {
  confPath,
  installedNames,
  isInstalled,
  isRunning,
  mustBeInstalled,
  mustBeStartable,
  NIXOS_CONTAINER,
  readConf,
  removeConf,
  start,
  stop,
  workspaceOf,
} from "./containers.mjs";
import { assertWorkspaceMounted } from "./real-mounts.mjs";
import { readState, recordCall, updateState } from "./state.mjs";
import { checkpoints, die, out, sleep } from "./tool.mjs";
import { tailscale } from "./tailscale.mjs";

export async function nixosContainer(args) {
  const [verb, name, ...rest] = args;
  const checkpoint = checkpoints("nixos-container", args, verb);
  await checkpoint();
  switch (verb) {
    case "list":
      out(
        installedNames()
          .map((n) => `${n}\n`)
          .join(""),
      );
      return;
    case "start": {
      mustBeInstalled(name);
      if (isRunning(readState(), name)) return;
      mustBeStartable(name);
      const { startDelayMs: delay, realMounts } = readState().settings;
      if (delay > 0) await sleep(delay);
      await checkpoint("start");
      if (realMounts) assertWorkspaceMounted(name, workspaceOf(name));
      updateState((state) => start(state, name));
      return;
    }
    case "stop":
      mustBeInstalled(name);
      updateState((state) => stop(state, name));
      return;
    case "status":
      mustBeInstalled(name);
      out(isRunning(readState(), name) ? "up\n" : "down\n");
      return;
    case "show-ip": {
      mustBeInstalled(name);
      const address = readConf(name)?.LOCAL_ADDRESS;
      const running = readState().machines[name];
      out(`${address || running?.addresses[0] || ""}\n`);
      return;
    }
    case "destroy":
      // No conf: nothing to do, exit 0 (the Perl script's first check), state dir or not.
      if (!name || !isInstalled(name)) return;
      // A conf that is a symlink (into the store: a declarative container) is not writable.
      if (lstatSync(confPath(name)).isSymbolicLink())
        die(
          `${NIXOS_CONTAINER}: cannot destroy declarative container (remove it from your configuration.nix instead)`,
          255,
        );
      // terminateContainer (machinectl terminate), then the state dirs and the conf.
      updateState((state) => stop(state, name));
      removeConf(name);
      return;
    case "run": {
      mustBeInstalled(name);
      if (!isRunning(readState(), name))
        die(`${NIXOS_CONTAINER}: unable to get container's main PID`, 255);
      const command = rest[0] === "--" ? rest.slice(1) : rest;
      await runInside(name, command);
      return;
    }
    default:
      die(`${NIXOS_CONTAINER}: unknown action ‘${verb ?? ""}’`, 255);
  }
}

/** What a login shell in the container does with the command. */
async function runInside(name, [program, ...args]) {
  const activation = /^(\/.+)\/bin\/switch-to-configuration$/.exec(program ?? "");
  if (activation) return switchTo(name, activation[1], args);
  switch (program) {
    case "tailscale":
      recordCall("tailscale", args);
      await tailscale(name, args);
      return;
    case "true":
      return;
    case "echo":
      out(`${args.join(" ")}\n`);
      return;
    default:
      die(`bash: line 1: ${program}: command not found`, 127);
  }
}

/**
 * `SYSTEM/bin/switch-to-configuration test` inside a running container: the container runs
 * SYSTEM from now on (until it boots the conf's again). A system that is not built is a
 * missing command, as in the container's shell; a fault injected on `nixos-container run`
 * stands for an activation that fails (a unit that does not start).
 */
async function switchTo(name, system, args) {
  if (!existsSync(system))
    die(`bash: line 1: ${system}/bin/switch-to-configuration: No such file or directory`, 127);
  if (args[0] !== "test" && args[0] !== "switch")
    die(`Usage: switch-to-configuration [switch|boot|test|dry-activate]`, 1);
  updateState((state) => {
    if (state.machines[name]) state.machines[name].system = system;
  });
}
