import { isIP } from "node:net";
import { z } from "zod";
import type { ContainerExec } from "./container-exec.js";
import { HostCommandError } from "./errors.js";

// What the container's tailscaled says is the tenant's to choose: only plain values pass, so a
// name or address shown in /info or to the model cannot carry lines, escapes or instructions.
const Status = z.object({
  BackendState: z.string(),
  Self: z
    .object({
      ID: z
        .string()
        .regex(/^[\w-]{1,64}$/)
        .optional()
        .catch(undefined),
      DNSName: z
        .string()
        .regex(/^[a-z0-9.-]{1,253}$/i)
        .optional()
        .catch(undefined),
      TailscaleIPs: z
        .array(z.string().refine((ip) => isIP(ip) !== 0))
        .nullable()
        .optional()
        .catch(undefined),
    })
    .optional(),
});

export interface TailscaleNode {
  /** MagicDNS name without the trailing dot. */
  readonly dnsName: string;
  readonly ip: string | undefined;
  /**
   * The stable node id tailscaled says it has (`Self.ID`): the tenant's word, used only to tell
   * apart that owner's own devices (workloads/primitives/tailnet.ts).
   */
  readonly nodeId: string | undefined;
}

/**
 * `tailscale` inside a container, through the one way in (container-exec.ts), run from the
 * system the host installed for it (`SYSTEM/sw/bin/tailscale`; the tailscale module puts it
 * there). What it prints is the tenant's to choose: root in the container runs tailscaled.
 * With an OAuth client the daemon asks the API instead (workloads/primitives/tailnet.ts).
 */
export function tailscale(inside: ContainerExec, systemOf: (name: string) => string | undefined) {
  const cli = (name: string) => {
    const system = systemOf(name);
    if (!system)
      throw new HostCommandError({
        argv: ["tailscale"],
        message: `${name} has no installed system to run tailscale from`,
      });
    return `${system}/sw/bin/tailscale`;
  };
  return {
    /** The container's node once enrolled, else undefined (enrolment runs in the background). */
    async node(name: string): Promise<TailscaleNode | undefined> {
      const { stdout } = await inside.run(name, [cli(name), "status", "--self", "--json"], 15_000);
      const status = Status.safeParse(parseJson(stdout));
      if (!status.success || status.data.BackendState !== "Running") return undefined;
      const dnsName = status.data.Self?.DNSName?.replace(/\.$/, "");
      const nodeId = status.data.Self?.ID || undefined;
      return dnsName ? { dnsName, ip: status.data.Self?.TailscaleIPs?.[0], nodeId } : undefined;
    },
    /** Removes the node from the tailnet; only possible while the container runs. */
    async logout(name: string) {
      await inside.run(name, [cli(name), "logout"], 30_000);
    },
  };
}

export type Tailscale = ReturnType<typeof tailscale>;

/** JSON a tenant's program printed, or undefined for anything else. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
