// Fake `journalctl`: `-M NAME` reads a running container's journal, `-u UNIT` a host unit's.
// No entries prints `-- No entries --` and exits 0, as the real one does.
import { readState } from "../lib/state.mjs";
import { checkpoints, die, out, defineTool } from "../lib/tool.mjs";

function option(args, short, long) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === short || args[i] === long) return args[i + 1];
    if (args[i].startsWith(`${long}=`)) return args[i].slice(long.length + 1);
    if (args[i].startsWith(short) && args[i].length > short.length)
      return args[i].slice(short.length);
  }
  return undefined;
}

export default defineTool("journalctl", async (args) => {
  await checkpoints("journalctl", args, null)();
  const state = readState();
  const machine = option(args, "-M", "--machine");
  const unit = option(args, "-u", "--unit");
  const lines = Number(option(args, "-n", "--lines") ?? 10);
  let key;
  if (machine !== undefined) {
    // systemd 257, measured in the lab (tests/lab/containers.test.ts): machined has no such
    // machine to open the root directory of, and sd-journal then reports ENXIO.
    if (!(machine in state.machines))
      die(
        `Failed to open root directory of machine '${machine}': No machine '${machine}' known\nFailed to open journal: No such device or address`,
      );
    key = `machine:${machine}`;
  } else if (unit !== undefined) key = `unit:${unit}`;
  else key = "host";
  const entries = state.journal[key] ?? [];
  out(entries.length === 0 ? "-- No entries --\n" : `${entries.slice(-lines).join("\n")}\n`);
});
