import { z } from "zod";
import type { NixosContainer } from "./nixos-container.js";

const Status = z.object({
  BackendState: z.string(),
  Self: z
    .object({
      DNSName: z.string().optional(),
      TailscaleIPs: z.array(z.string()).nullable().optional(),
    })
    .optional(),
});

export interface TailscaleNode {
  /** MagicDNS name without the trailing dot. */
  readonly dnsName: string;
  readonly ip: string | undefined;
}

/** `tailscale` inside a container, through `nixos-container run`. */
export function tailscale(containers: NixosContainer) {
  return {
    /** The container's node once enrolled, else undefined (enrolment runs in the background). */
    async node(name: string): Promise<TailscaleNode | undefined> {
      const { stdout } = await containers.run(
        name,
        ["tailscale", "status", "--self", "--json"],
        15_000,
      );
      const status = Status.safeParse(JSON.parse(stdout));
      if (!status.success || status.data.BackendState !== "Running") return undefined;
      const dnsName = status.data.Self?.DNSName?.replace(/\.$/, "");
      return dnsName ? { dnsName, ip: status.data.Self?.TailscaleIPs?.[0] } : undefined;
    },
    /** Removes the node from the tailnet; only possible while the container runs. */
    async logout(name: string) {
      await containers.run(name, ["tailscale", "logout"], 30_000);
    },
  };
}

export type Tailscale = ReturnType<typeof tailscale>;
