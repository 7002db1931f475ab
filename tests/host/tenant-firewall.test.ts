// The tenant network policy, for real: the rules nix/host/tenant-firewall.nix renders, loaded
// with nft into the kernel's nftables in network namespaces that stand for the appliance (a
// bridge br-vox with each container on a veth port, forwarding to an uplink), two containers,
// and the world beyond the uplink (a LAN host and an internet host, over IPv4 and IPv6). Each
// path is first shown to work without the rules, so that what the rules stop is their doing.
import { execa } from "execa";
import { describe, expect, it, onTestFinished } from "vitest";
import { locateOnPath } from "../../src/host/locate.js";
import { hasNix, nixEval } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";

const TOOLS = ["ip", "nft", "ping"];
const canRun =
  process.getuid?.() === 0 &&
  hasNix &&
  TOOLS.every((tool) => locateOnPath(tool, process.env.PATH ?? "") !== undefined);
const SKIP = canRun
  ? "as root, with ip, nft, ping and nix-instantiate"
  : "needs root, ip (iproute2), nft (nftables), ping (iputils-ping) and nix-instantiate; CI has them";

interface Rules {
  tables: Record<string, { family: string; content: string }>;
  forwardAllow: string;
}

/**
 * NixOS's own forward filter (nixos/modules/services/networking/firewall-nftables.nix, 24.11,
 * with filterForward), which the appliance's forwardAllow rules are appended to.
 */
const nixosForward = (forwardAllow: string) => `
table inet nixos-fw {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state vmap { invalid : drop, established : accept, related : accept, new : jump forward-allow, untracked : jump forward-allow }
  }
  chain forward-allow {
    icmpv6 type != { router-renumbering, 139 } accept
    ct status dnat accept
    ${forwardAllow}
  }
}`;

/** The appliance's tables as nft loads them, with NixOS's forward filter they sit beside. */
const ruleset = (rules: Rules) =>
  Object.entries(rules.tables)
    .map(([name, table]) => `table ${table.family} ${name} {\n${table.content}\n}`)
    .join("\n") + nixosForward(rules.forwardAllow);

const sh = (argv: string[]) => execa(argv[0] as string, argv.slice(1), { timeout: 30_000 });

/** Namespaces H (the appliance), W (beyond its uplink), C1 and C2 (containers on br-vox). */
async function topology() {
  const tag = `vx${process.pid % 100000}`;
  const ns = { H: `${tag}h`, W: `${tag}w`, C1: `${tag}c1`, C2: `${tag}c2` };
  onTestFinished(async () => {
    for (const name of Object.values(ns))
      await execa("ip", ["netns", "del", name], { reject: false });
  });
  const inNs = (name: string, ...argv: string[]) => sh(["ip", "netns", "exec", name, ...argv]);
  /** A veth pair: `end` in the appliance's namespace, `peer` in `peerNs`. */
  const veth = (end: string, peer: string, peerNs: string) =>
    sh([
      "ip",
      "-n",
      ns.H,
      "link",
      "add",
      end,
      "type",
      "veth",
      "peer",
      "name",
      peer,
      "netns",
      peerNs,
    ]);
  for (const name of Object.values(ns)) {
    await sh(["ip", "netns", "add", name]);
    await inNs(name, "ip", "link", "set", "lo", "up");
  }
  // The appliance: br-vox, the uplink eth0, forwarding on.
  await inNs(ns.H, "ip", "link", "add", "br-vox", "type", "bridge");
  await inNs(ns.H, "ip", "addr", "add", "10.100.0.1/24", "dev", "br-vox");
  await inNs(ns.H, "ip", "addr", "add", "fd00:100::1/64", "dev", "br-vox", "nodad");
  await inNs(ns.H, "ip", "link", "set", "br-vox", "up");
  await inNs(ns.H, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
  await veth("eth0", "lan0", ns.W);
  await inNs(ns.H, "ip", "addr", "add", "192.168.1.2/24", "dev", "eth0");
  await inNs(ns.H, "ip", "addr", "add", "2001:db8:1::2/64", "dev", "eth0", "nodad");
  await inNs(ns.H, "ip", "link", "set", "eth0", "up");
  await inNs(ns.H, "ip", "route", "add", "default", "via", "192.168.1.1");
  await inNs(ns.H, "ip", "-6", "route", "add", "default", "via", "2001:db8:1::1");
  // The world: a LAN host on the uplink's segment, and an internet host behind it.
  await inNs(ns.W, "ip", "addr", "add", "192.168.1.1/24", "dev", "lan0");
  await inNs(ns.W, "ip", "addr", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad");
  await inNs(ns.W, "ip", "link", "set", "lan0", "up");
  await inNs(ns.W, "ip", "addr", "add", "198.51.100.1/32", "dev", "lo");
  await inNs(ns.W, "ip", "addr", "add", "2001:db8:ffff::1/128", "dev", "lo");
  await inNs(ns.W, "ip", "route", "add", "10.100.0.0/24", "via", "192.168.1.2");
  await inNs(ns.W, "ip", "-6", "route", "add", "fd00:100::/64", "via", "2001:db8:1::2");
  // Two containers, each on a port named as nspawn names it (vb-<name>).
  for (const [name, n] of [
    ["c1", 11],
    ["c2", 12],
  ] as const) {
    const container = name === "c1" ? ns.C1 : ns.C2;
    await veth(`vb-${name}`, "eth0", container);
    await inNs(ns.H, "ip", "link", "set", `vb-${name}`, "master", "br-vox", "up");
    await inNs(container, "ip", "addr", "add", `10.100.0.${n}/24`, "dev", "eth0");
    await inNs(container, "ip", "addr", "add", `fd00:100::${n}/64`, "dev", "eth0", "nodad");
    await inNs(container, "ip", "link", "set", "eth0", "up");
    await inNs(container, "ip", "route", "add", "default", "via", "10.100.0.1");
    await inNs(container, "ip", "-6", "route", "add", "default", "via", "fd00:100::1");
  }
  /** Whether C1 gets an echo reply from `address` within `seconds`. */
  const reaches = async (address: string, seconds: number) =>
    (
      await execa(
        "ip",
        ["netns", "exec", ns.C1, "ping", "-n", "-q", "-c", "1", "-W", String(seconds), address],
        {
          reject: false,
          timeout: 30_000,
        },
      )
    ).exitCode === 0;
  const load = (ruleset: string) =>
    execa("ip", ["netns", "exec", ns.H, "nft", "-f", "-"], { input: ruleset });
  return { reaches, load };
}

const PATHS = {
  "the host's bridge address": "10.100.0.1",
  "another container (IPv4)": "10.100.0.12",
  "another container (IPv6)": "fd00:100::12",
  "a LAN host (IPv4)": "192.168.1.1",
  "the internet (IPv4)": "198.51.100.1",
  "the internet (IPv6)": "2001:db8:ffff::1",
};
type Path = keyof typeof PATHS;

/** Pings every path at once; a reachable one answers in well under the deadline. */
async function reachable(reaches: (address: string, seconds: number) => Promise<boolean>) {
  const entries = Object.entries(PATHS) as [Path, string][];
  const results = await Promise.all(
    entries.map(async ([path, address]) => {
      // A path that works answers within seconds even on a loaded machine; one retry absorbs a
      // lost first packet (neighbour discovery), so "unreachable" means two full deadlines.
      const ok = (await reaches(address, 5)) || (await reaches(address, 5));
      return [path, ok] as const;
    }),
  );
  return Object.fromEntries(results) as Record<Path, boolean>;
}

describe.skipIf(!canRun)(`tenant network policy in real network namespaces (${SKIP})`, () => {
  it("keeps containers from each other, the LAN and IPv6, and lets them reach the host and the internet", async () => {
    const rules = (await nixEval(
      `import ${REPO_ROOT}/nix/host/tenant-firewall.nix { uplink = "eth0"; }`,
    )) as Rules;
    const { reaches, load } = await topology();

    // Without the rules every path works: the topology is sound.
    expect(await reachable(reaches)).toEqual(
      Object.fromEntries(Object.keys(PATHS).map((p) => [p, true])),
    );

    await load(ruleset(rules));
    expect(await reachable(reaches)).toEqual({
      "the host's bridge address": true,
      "another container (IPv4)": false,
      "another container (IPv6)": false,
      "a LAN host (IPv4)": false,
      "the internet (IPv4)": true,
      "the internet (IPv6)": false,
    });
  }, 120_000);

  it("lets a container reach an allow-listed LAN address, and no other", async () => {
    const rules = (await nixEval(
      `import ${REPO_ROOT}/nix/host/tenant-firewall.nix { uplink = "eth0"; lanAllowlist = [ "192.168.1.1/32" ]; }`,
    )) as Rules;
    const { reaches, load } = await topology();
    await load(ruleset(rules));
    expect(await reaches("192.168.1.1", 5)).toBe(true);
    expect(await reaches("10.100.0.12", 3)).toBe(false);
  }, 120_000);
});
