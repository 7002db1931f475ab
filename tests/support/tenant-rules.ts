// The tenant firewall's rules as the appliance loads them: nix/host/tenant-firewall.nix rendered
// by real nix-instantiate, beside NixOS's own input and forward filters. Used by
// tests/host/tenant-firewall.test.ts (network namespaces) and tests/lab/tenant-network.test.ts
// (real nspawn veths in the lab).
import { nixEval } from "./nix.js";
import { REPO_ROOT } from "./test-workloads.js";

export interface Rules {
  tables: Record<string, { family: string; content: string }>;
  inputAllow: string;
  forwardAllow: string;
}

/**
 * NixOS's own input and forward filters (nixos/modules/services/networking/firewall-nftables.nix,
 * 24.11, with filterForward and allowPing), which the appliance's inputAllow and forwardAllow
 * rules are appended to.
 */
export const nixosFirewall = (rules: Rules) => `
table inet nixos-fw {
  chain input {
    type filter hook input priority filter; policy drop;
    iifname { "lo" } accept
    ct state vmap { invalid : drop, established : accept, related : accept, new : jump input-allow, untracked : jump input-allow }
  }
  chain input-allow {
    icmp type echo-request accept
    icmpv6 type != { nd-redirect, 139 } accept
    ${rules.inputAllow}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state vmap { invalid : drop, established : accept, related : accept, new : jump forward-allow, untracked : jump forward-allow }
  }
  chain forward-allow {
    icmpv6 type != { router-renumbering, 139 } accept
    ct status dnat accept
    ${rules.forwardAllow}
  }
}`;

/** The appliance's tables as nft loads them, with NixOS's filters they sit beside. */
export const ruleset = (rules: Rules) =>
  Object.entries(rules.tables)
    .map(([name, table]) => `table ${table.family} ${name} {\n${table.content}\n}`)
    .join("\n") + nixosFirewall(rules);

export const rulesFor = async (extra = "") =>
  (await nixEval(
    `import ${REPO_ROOT}/nix/host/tenant-firewall.nix { uplink = "eth0"; containerNetwork = "10.100.0.0/24"; ${extra} }`,
  )) as Rules;
