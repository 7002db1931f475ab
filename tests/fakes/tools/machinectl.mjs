// Fake `machinectl` (systemd ≥ 252): only running machines exist for it. The JSON of
// `list --output=json` has no state key (host-cli-reference.md).
import { stop } from "../lib/containers.mjs";
import { readState, updateState } from "../lib/state.mjs";
import { checkpoints, die, out, defineTool } from "../lib/tool.mjs";

const unknown = (name, prefix = "") => die(`${prefix}No machine '${name}' known`);

export default defineTool("machinectl", async (args) => {
  const operands = args.filter((a) => !a.startsWith("-"));
  const [verb = "list", name] = operands;
  await checkpoints("machinectl", args, verb)();
  const state = readState();
  const machine = name === undefined ? undefined : state.machines[name];
  switch (verb) {
    case "list": {
      const names = Object.keys(state.machines).sort();
      if (args.includes("--output=json") || args.includes("-ojson")) {
        const rows = names.map((n) => ({
          machine: n,
          class: "container",
          service: "systemd-nspawn",
          os: "nixos",
          version: "25.11",
          addresses: state.machines[n].addresses.join("\n") || null,
        }));
        out(`${JSON.stringify(rows)}\n`);
      } else {
        const lines = names.map(
          (n) =>
            `${n} container systemd-nspawn nixos 25.11 ${state.machines[n].addresses[0] ?? "-"}`,
        );
        out(
          `MACHINE CLASS SERVICE OS VERSION ADDRESSES\n${lines.join("\n")}${lines.length ? "\n" : ""}\n${names.length} machines listed.\n`,
        );
      }
      return;
    }
    case "show": {
      if (!machine) unknown(name, "Could not get path to machine: ");
      const properties = {
        Name: name,
        Class: "container",
        Service: "systemd-nspawn",
        State: "running",
        Timestamp: new Date(machine.since).toUTCString(),
      };
      // Each --property= names one property: machinectl 257 does not split a comma list as
      // systemctl does (measured in the lab: `--property=State,Leader` prints nothing, two
      // flags print both), and prints nothing for a name it does not have.
      const wanted = args
        .filter((a) => a.startsWith("--property="))
        .map((a) => a.slice("--property=".length));
      const keys = wanted.length > 0 ? wanted : Object.keys(properties);
      out(
        keys
          .filter((k) => k in properties)
          .map((k) => `${k}=${properties[k]}\n`)
          .join(""),
      );
      return;
    }
    case "status":
      if (!machine) unknown(name, "Could not get path to machine: ");
      out(
        `${name}(fake)\n           Since: ${new Date(machine.since).toUTCString()}\n          Leader: 4242 (systemd)\n         Service: systemd-nspawn; class container\n         Address: ${machine.addresses.join("\n                  ")}\n              OS: NixOS 25.11\n`,
      );
      return;
    case "terminate":
    case "poweroff":
      if (!machine)
        unknown(name, `Could not ${verb === "terminate" ? "terminate" : "power off"} machine: `);
      updateState((s) => stop(s, name));
      return;
    default:
      die(`Unknown command verb '${verb}'.`);
  }
});
