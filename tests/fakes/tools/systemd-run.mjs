// Fake `systemd-run --machine=NAME … -- PROGRAM ARGS`: the way into a container
// (src/host/container-exec.ts). Facts (systemd src/run/run.c, sd-bus bus-container.c, v252 and
// v257; host-cli-reference.md):
// - `--machine=NAME` connects to the container's own bus, found through the machine's leader
//   (machined's /run/systemd/machines/NAME); a container that is not running is not known:
//   "Failed to connect to bus: Host is down" on stderr, rc 1, and nothing runs.
// - The command is a transient service of the container's systemd, started by absolute path
//   with no shell, no PAM and none of the caller's environment. `--service-type=exec`: a
//   program that cannot be executed fails the start: "Job for UNIT failed because the control
//   process exited with error code." plus the status/journal hint, rc 1.
// - `--pipe --wait`: the command's stdout and stderr are the caller's; systemd-run exits with
//   the command's exit status, 0 on success (`--quiet` prints nothing of its own).
// Inside, the fake knows the programs voxnix runs: SYSTEM/sw/bin/tailscale (lib/tailscale.mjs)
// and SYSTEM/bin/switch-to-configuration, for any SYSTEM in the store (the container sees the
// host's store).
import { existsSync } from "node:fs";
import { isRunning } from "../lib/containers.mjs";
import { readState, recordCall, updateState } from "../lib/state.mjs";
import { tailscale } from "../lib/tailscale.mjs";
import { checkpoints, defineTool, die } from "../lib/tool.mjs";

export default defineTool("systemd-run", async (args) => {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  const [program, ...rest] = end < 0 ? [] : args.slice(end + 1);
  await checkpoints("systemd-run", args, null)();
  const machine = options.find((o) => o.startsWith("--machine="))?.slice("--machine=".length);
  const unit = options.find((o) => o.startsWith("--unit="))?.slice("--unit=".length) ?? "run-u1";
  if (!machine) die("fake systemd-run: only --machine=NAME is modelled");
  if (!program) die("Command line to execute required.");
  if (!isRunning(readState(), machine)) die("Failed to connect to bus: Host is down");
  const cannotExec = () =>
    die(
      `Job for ${unit}.service failed because the control process exited with error code.\n` +
        `See "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.`,
    );
  const tool = /^(\/.+)\/sw\/bin\/tailscale$/.exec(program);
  if (tool) {
    if (!existsSync(tool[1])) cannotExec();
    recordCall("tailscale", rest);
    await tailscale(machine, rest);
    return;
  }
  const activation = /^(\/.+)\/bin\/switch-to-configuration$/.exec(program);
  if (activation) {
    if (!existsSync(activation[1])) cannotExec();
    if (rest[0] !== "test" && rest[0] !== "switch")
      die("Usage: switch-to-configuration [switch|boot|test|dry-activate]", 1);
    updateState((state) => {
      if (state.machines[machine]) state.machines[machine].system = activation[1];
    });
    return;
  }
  cannotExec();
});
