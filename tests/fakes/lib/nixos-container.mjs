// nixos-container (nixpkgs' Perl script): list, start, stop, status, show-ip, destroy.
import { lstatSync } from "node:fs";
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
import { readState, updateState } from "./state.mjs";
import { checkpoints, die, out, sleep } from "./tool.mjs";

export async function nixosContainer(args) {
  const [verb, name] = args;
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
    case "run":
      // Real: `nsenter` without the user namespace into `su -l`, as the host's root, reading
      // the tenant's shell files (host-cli-reference.md). voxnix must never call it: fail loud.
      die("fake nixos-container: `run` is never used by voxnix (see container-exec.ts)", 99);
      return;
    default:
      die(`${NIXOS_CONTAINER}: unknown action ‘${verb ?? ""}’`, 255);
  }
}
