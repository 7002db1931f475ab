// tailscale inside a container (reached through `nixos-container run NAME -- tailscale …`).
import { readState, updateState } from "./state.mjs";
import { checkpoints, die, out } from "./tool.mjs";

export async function tailscale(machine, args) {
  const [verb, ...rest] = args;
  await checkpoints("tailscale", args, verb)();
  switch (verb) {
    case "up": {
      const key = rest.find((a) => a.startsWith("--auth-key=") || a.startsWith("--authkey="));
      if (!key)
        die("tailscale up: an auth key is needed on a headless node (--auth-key=file:PATH)");
      const hostname =
        rest.find((a) => a.startsWith("--hostname="))?.slice("--hostname=".length) || machine;
      updateState((state) => {
        const n = Object.keys(state.tailscale).length + 1;
        state.tailscale[machine] = {
          hostName: hostname,
          dnsName: `${hostname}.tail0fake.ts.net.`,
          ip: `100.64.0.${n}`,
          ssh: rest.includes("--ssh"),
        };
      });
      return;
    }
    case "ip": {
      const node = readState().tailscale[machine];
      if (!node) die("Tailscale is stopped.");
      out(`${node.ip}\n`);
      return;
    }
    case "status": {
      const node = readState().tailscale[machine];
      const self = node
        ? { HostName: node.hostName, DNSName: node.dnsName, TailscaleIPs: [node.ip], Online: true }
        : { HostName: machine, DNSName: "", TailscaleIPs: null, Online: false };
      out(
        `${JSON.stringify({ BackendState: node ? "Running" : "NeedsLogin", Self: self }, null, 2)}\n`,
      );
      return;
    }
    case "logout":
      updateState((state) => delete state.tailscale[machine]);
      return;
    default:
      die(`tailscale: unknown subcommand: ${verb ?? ""}`, 2);
  }
}
