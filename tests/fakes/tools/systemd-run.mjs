// Fake `systemd-run --machine=NAME … -- PROGRAM ARGS`: the way into a container
// (src/host/container-exec.ts). Facts from systemd's src/run/run.c and sd-bus bus-container.c
// (252 and 257), measured with systemd-run 252 into a booted nspawn container
// (tests/host/container-exec.test.ts):
// - `--machine=NAME` finds the container by machined's record (/run/systemd/machines/NAME);
//   a container that is not running has none: "Failed to connect to bus: Host is down"
//   (257: "Failed to connect to system scope bus via machine transport: Host is down"), rc 1,
//   nothing runs.
// - Without --quiet, stderr starts with "Running as unit: UNIT.service" and ends with
//   "Finished with result: RESULT", "Main processes terminated with: code=exited, status=N/NAME"
//   and "Service runtime: …"; the command's own stderr comes between (--pipe hands it our fds).
//   That is 257's line, measured in the lab (tests/lab/containers.test.ts): `status=0/SUCCESS`,
//   `status=124/n/a`, `code=killed, status=9/KILL` (exit_status_to_string's full names, "n/a"
//   for a status without one). 252 printed `code=exited/status=N` (code=killed/status=TERM).
// - Exit code: 0 for result success, N for exit-code N; a program that cannot be executed
//   (Type=exec) is exit-code 203. systemd expands `$VAR` and turns `$$` into `$` in the
//   command line: the fake undoes the caller's doubling the same way.
// - `--unit=NAME` of a unit that is still loaded (running, or failed without --collect) is
//   refused: "Failed to start transient service unit: Unit NAME.service was already loaded or
//   has a fragment file.", rc 1. Not modelled: the fake's calls never overlap in a container.
// Inside, the fake knows the programs voxnix runs: SYSTEM/sw/bin/tailscale (lib/tailscale.mjs),
// SYSTEM/sw/bin/journalctl (the machine's journal) and SYSTEM/bin/switch-to-configuration, for any SYSTEM in the store (the container sees the
// host's store).
import { existsSync } from "node:fs";
import { isRunning } from "../lib/containers.mjs";
import { readState, recordCall, updateState } from "../lib/state.mjs";
import { tailscale } from "../lib/tailscale.mjs";
import { checkpoints, defineTool, die, err, out, ToolExit } from "../lib/tool.mjs";

export default defineTool("systemd-run", async (args) => {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  const [program, ...rest] = (end < 0 ? [] : args.slice(end + 1)).map((a) =>
    a.replaceAll("$$", "$"),
  );
  await checkpoints("systemd-run", args, null)();
  const machine = options.find((o) => o.startsWith("--machine="))?.slice("--machine=".length);
  const unit = options.find((o) => o.startsWith("--unit="))?.slice("--unit=".length) ?? "run-u1";
  if (!machine) die("fake systemd-run: only --machine=NAME is modelled");
  if (!program) die("Command line to execute required.");
  if (!isRunning(readState(), machine)) die("Failed to connect to bus: Host is down");
  const quiet = options.includes("--quiet") || options.includes("-q");
  if (!quiet) err(`Running as unit: ${unit}.service\n`);
  try {
    await inside(machine, program, rest);
  } catch (error) {
    if (!(error instanceof ToolExit)) throw error;
    // The command's own output, then systemd-run's report, with the command's status.
    throw new ToolExit(error.code, {
      stdout: error.stdout,
      stderr: `${error.stderr}${quiet ? "" : reportText(error.code)}`,
    });
  }
  if (!quiet) err(reportText(0));
});

/** exit_status_to_string(…, EXIT_STATUS_FULL) for the statuses the fake's programs end with. */
const STATUS_NAMES = { 0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT", 203: "EXEC" };

const reportText = (status) =>
  `Finished with result: ${status === 0 ? "success" : "exit-code"}\n` +
  `Main processes terminated with: code=exited, status=${status}/${STATUS_NAMES[status] ?? "n/a"}\n` +
  "Service runtime: 3ms\n";

/** The program, run by the container's systemd: 203 when it cannot be executed. */
async function inside(machine, program, args) {
  const cannotExec = () => {
    throw new ToolExit(203);
  };
  const tool = /^(\/.+)\/sw\/bin\/tailscale$/.exec(program);
  if (tool) {
    if (!existsSync(tool[1])) cannotExec();
    recordCall("tailscale", args);
    await tailscale(machine, args);
    return;
  }
  const journal = /^(\/.+)\/sw\/bin\/journalctl$/.exec(program);
  if (journal) {
    if (!existsSync(journal[1])) cannotExec();
    // The container's own journal, as `journalctl -n N` in it prints it.
    const n = Number(args[args.indexOf("-n") + 1] ?? 10);
    const entries = readState().journal[`machine:${machine}`] ?? [];
    out(entries.length === 0 ? "-- No entries --\n" : `${entries.slice(-n).join("\n")}\n`);
    return;
  }
  const activation = /^(\/.+)\/bin\/switch-to-configuration$/.exec(program);
  if (activation) {
    if (!existsSync(activation[1])) cannotExec();
    if (args[0] !== "test" && args[0] !== "switch")
      die("Usage: switch-to-configuration [switch|boot|test|dry-activate]", 1);
    updateState((state) => {
      if (state.machines[machine]) state.machines[machine].system = activation[1];
    });
    return;
  }
  cannotExec();
}
