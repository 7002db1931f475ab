// The tenants' network, for real: network namespaces that stand for the appliance, two containers
// and the world beyond the uplink (a LAN host and an internet host, over IPv4 and IPv6), wired
// as nixos-containers' template wires a container whose conf has HOST_ADDRESS and LOCAL_ADDRESS
// and no HOST_BRIDGE (a veth pair, ve-NAME on the host with the host's address and a route to
// the container's address; eth0 inside with that address and a default route via the host), and
// the rules nix/host/tenant-firewall.nix renders loaded with nft. Every path, and every attack, is
// first shown to work without the rules or on the bridge this design replaced (br-vox, each
// container on a vb-NAME port, DHCP addresses), so that what stops it is the design's doing.
import { execa } from "execa";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { describe, expect, it, type TestContext } from "vitest";
import { locateOnPath } from "../../src/host/locate.js";
import { hasNix } from "../support/nix.js";
import { rulesFor, ruleset } from "../support/tenant-rules.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { PYTHON3 } from "../support/python.js";
import { tempDir } from "../support/temp-dir.js";

const TOOLS = ["ip", "nft", "ping", "python3"];
const DNSMASQ = locateOnPath("dnsmasq", `${process.env.PATH ?? ""}:/usr/sbin`);
const canRun =
  process.getuid?.() === 0 &&
  hasNix &&
  TOOLS.every((tool) => locateOnPath(tool, process.env.PATH ?? "") !== undefined);
const SKIP = canRun
  ? "as root, with ip, nft, ping, python3 and nix-instantiate"
  : "needs root, ip (iproute2), nft (nftables), ping (iputils-ping), python3 and nix-instantiate; CI has them";

/** Crafts what a hostile container sends, from raw sockets (see its header). */
const PACKETS = join(REPO_ROOT, "tests/support/packets.py");

/** What isolated containers on br-vox before: a bridge table dropping port-to-port frames. */
const BRIDGE_ISOLATION = `table bridge voxnix-isolation {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "vb-*" oifname "vb-*" drop
  }
}`;

const sh = (argv: string[]) => execa(argv[0] as string, argv.slice(1), { timeout: 30_000 });

const HOST = "10.100.0.1";
const HOST6 = "fd00:100::1";
const CONTAINERS = { c1: 11, c2: 12 } as const;
type Container = keyof typeof CONTAINERS;
const address = (c: Container) => `10.100.0.${CONTAINERS[c]}`;
const address6 = (c: Container) => `fd00:100::${CONTAINERS[c]}`;

/**
 * Namespaces H (the appliance), W (beyond its uplink), c1 and c2 (containers), wired `routed`
 * (this design) or `bridged` (br-vox, the design it replaced).
 */
let topologies = 0;
async function topology(
  design: "routed" | "bridged",
  onTestFinished: TestContext["onTestFinished"],
) {
  const tag = `vx${process.pid % 100000}${String.fromCharCode(97 + (topologies++ % 26))}`;
  const ns = { H: `${tag}h`, W: `${tag}w`, c1: `${tag}c1`, c2: `${tag}c2` };
  /** Stops each server a test started. */
  const servers: (() => Promise<unknown>)[] = [];
  onTestFinished(async () => {
    await Promise.allSettled(servers.map((stop) => stop()));
    for (const name of Object.values(ns))
      await execa("ip", ["netns", "del", name], { reject: false });
  });
  const inNs = (name: string, ...argv: string[]) => sh(["ip", "netns", "exec", name, ...argv]);
  const ip = (name: string, ...argv: string[]) => sh(["ip", "-n", name, ...argv]);
  /** A veth pair: `end` in the appliance's namespace, `peer` in `peerNs`. */
  const veth = (end: string, peer: string, peerNs: string) =>
    ip(ns.H, "link", "add", end, "type", "veth", "peer", "name", peer, "netns", peerNs);
  for (const name of Object.values(ns)) {
    await sh(["ip", "netns", "add", name]);
    await ip(name, "link", "set", "lo", "up");
  }
  // The appliance: the uplink eth0, forwarding on. The kernel's own reverse-path filter off (as
  // the kernel has it; systemd's loose default would let the forgeries below through too): the
  // rules must do that work.
  await inNs(
    ns.H,
    "sysctl",
    "-qw",
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
  );
  await veth("eth0", "lan0", ns.W);
  await ip(ns.H, "addr", "add", "192.168.1.2/24", "dev", "eth0");
  await ip(ns.H, "addr", "add", "2001:db8:1::2/64", "dev", "eth0", "nodad");
  await ip(ns.H, "link", "set", "eth0", "up");
  await ip(ns.H, "route", "add", "default", "via", "192.168.1.1");
  await ip(ns.H, "-6", "route", "add", "default", "via", "2001:db8:1::1");
  // The world: a LAN host on the uplink's segment, and an internet host behind it.
  await ip(ns.W, "addr", "add", "192.168.1.1/24", "dev", "lan0");
  await ip(ns.W, "addr", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad");
  await ip(ns.W, "link", "set", "lan0", "up");
  await ip(ns.W, "addr", "add", "198.51.100.1/32", "dev", "lo");
  await ip(ns.W, "addr", "add", "2001:db8:ffff::1/128", "dev", "lo");
  await ip(ns.W, "route", "add", "10.100.0.0/24", "via", "192.168.1.2");
  await ip(ns.W, "-6", "route", "add", "fd00:100::/64", "via", "2001:db8:1::2");

  /** A container starts: its veth pair, wired as the template wires it (routed design). */
  const attach = async (c: Container) => {
    // nspawn --network-veth: ve-NAME on the host, host0 inside.
    await veth(`ve-${c}`, "host0", ns[c]);
    // containerInit (nixos-containers.nix), with LOCAL_ADDRESS and HOST_ADDRESS. IPv6 as it
    // would be with LOCAL_ADDRESS6 and HOST_ADDRESS6, which voxnix does not set: the tenant's
    // best case, to show the rules alone keep IPv6 out.
    await ip(ns[c], "link", "set", "host0", "name", "eth0");
    await ip(ns[c], "link", "set", "dev", "eth0", "up");
    await ip(ns[c], "addr", "add", address(c), "dev", "eth0");
    await ip(ns[c], "-6", "addr", "add", address6(c), "dev", "eth0", "nodad");
    await ip(ns[c], "route", "add", HOST, "dev", "eth0");
    await ip(ns[c], "route", "add", "default", "via", HOST);
    await ip(ns[c], "-6", "route", "add", HOST6, "dev", "eth0");
    await ip(ns[c], "-6", "route", "add", "default", "via", HOST6);
    // postStartScript (nixos-containers.nix), without HOST_BRIDGE.
    await ip(ns.H, "link", "set", "dev", `ve-${c}`, "up");
    await ip(ns.H, "addr", "add", HOST, "dev", `ve-${c}`);
    await ip(ns.H, "-6", "addr", "add", HOST6, "dev", `ve-${c}`, "nodad");
    await ip(ns.H, "route", "add", address(c), "dev", `ve-${c}`);
    await ip(ns.H, "-6", "route", "add", address6(c), "dev", `ve-${c}`);
  };
  /** A container stops: nspawn's veth pair goes, and with it the host's address and route. */
  const detach = (c: Container) => ip(ns.H, "link", "del", `ve-${c}`);

  if (design === "routed") {
    // network.nix: the containers' range goes nowhere but to the containers' own routes.
    await ip(ns.H, "route", "add", "unreachable", "10.100.0.0/24");
    for (const c of ["c1", "c2"] as const) await attach(c);
  } else {
    await ip(ns.H, "link", "add", "br-vox", "type", "bridge");
    await ip(ns.H, "addr", "add", `${HOST}/24`, "dev", "br-vox");
    await ip(ns.H, "addr", "add", `${HOST6}/64`, "dev", "br-vox", "nodad");
    await ip(ns.H, "link", "set", "br-vox", "up");
    for (const c of ["c1", "c2"] as const) {
      await veth(`vb-${c}`, "eth0", ns[c]);
      await ip(ns.H, "link", "set", `vb-${c}`, "master", "br-vox", "up");
      await ip(ns[c], "addr", "add", `${address(c)}/24`, "dev", "eth0");
      await ip(ns[c], "addr", "add", `${address6(c)}/64`, "dev", "eth0", "nodad");
      await ip(ns[c], "link", "set", "eth0", "up");
      await ip(ns[c], "route", "add", "default", "via", HOST);
      await ip(ns[c], "-6", "route", "add", "default", "via", HOST6);
    }
  }

  /** Whether `from` gets an echo reply from `to` within `seconds`. */
  const pings = async (from: string, to: string, seconds: number) =>
    (
      await execa(
        "ip",
        ["netns", "exec", from, "ping", "-n", "-q", "-c", "1", "-W", String(seconds), to],
        { reject: false, timeout: 30_000 },
      )
    ).exitCode === 0;
  const load = (rules: string) =>
    execa("ip", ["netns", "exec", ns.H, "nft", "-f", "-"], { input: rules });
  /** Runs packets.py in `name`'s namespace. */
  const packets = (name: string, ...argv: string[]) =>
    sh(["ip", "netns", "exec", name, PYTHON3, PACKETS, ...argv]);
  /** Starts one of packets.py's servers in `name`'s namespace; resolves once it listens. */
  const serve = (name: string, ...argv: string[]) =>
    daemon(name, [PYTHON3, PACKETS, ...argv], "stdout");
  /** Starts `argv` in `name`'s namespace; resolves once it writes its first line to `stream`. */
  const daemon = async (name: string, argv: string[], stream: "stdout" | "stderr") => {
    const child = execa("ip", ["netns", "exec", name, ...argv], { reject: false, buffer: false });
    servers.push(() => {
      child.kill("SIGKILL");
      return child;
    });
    await new Promise<void>((resolve, reject) => {
      child[stream]?.once("data", () => resolve());
      child.once("exit", () => reject(new Error(`${argv.join(" ")} exited`)));
    });
  };
  /** Who answers the host's UDP question to `to` (each container's echo server says its name). */
  const whoAnswers = async (to: string) => {
    const result = await execa("ip", ["netns", "exec", ns.H, PYTHON3, PACKETS, "ask", to, "7"], {
      reject: false,
      timeout: 30_000,
    });
    return result.exitCode === 0 ? result.stdout.trim() : "nobody";
  };
  /** The host's neighbour entries for `to`, on any interface. */
  const neighbours = async (to: string) => {
    const { stdout } = await ip(ns.H, "-j", "neigh", "show", "to", to);
    return (JSON.parse(stdout || "[]") as { dev: string; lladdr?: string }[]).map((n) => ({
      dev: n.dev,
      lladdr: n.lladdr,
    }));
  };
  const macOf = async (c: Container) =>
    (await inNs(ns[c], "cat", "/sys/class/net/eth0/address")).stdout.trim();
  return {
    ns,
    ip,
    pings,
    load,
    packets,
    serve,
    daemon,
    whoAnswers,
    neighbours,
    macOf,
    attach,
    detach,
  };
}

type Network = Awaited<ReturnType<typeof topology>>;

/**
 * Whether `check` comes to hold, doing `act` before each look, for at most `tries` looks 100 ms
 * apart: for what must happen, never to wait before asserting that something did not.
 */
async function eventually(act: () => Promise<unknown>, check: () => Promise<boolean>, tries = 50) {
  for (let i = 0; i < tries; i++) {
    await act();
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const PATHS = {
  "the host's address": HOST,
  "the host's uplink address": "192.168.1.2",
  "another container (IPv4)": address("c2"),
  "another container (IPv6)": address6("c2"),
  "a LAN host (IPv4)": "192.168.1.1",
  "the internet (IPv4)": "198.51.100.1",
  "the internet (IPv6)": "2001:db8:ffff::1",
};
type Path = keyof typeof PATHS;

/** Pings every path from c1 at once; a reachable one answers in well under the deadline. */
async function reachable(net: Network) {
  const entries = Object.entries(PATHS) as [Path, string][];
  const results = await Promise.all(
    entries.map(async ([path, to]) => {
      // A path that works answers within seconds even on a loaded machine; one retry absorbs a
      // lost first packet (neighbour discovery), so "unreachable" means two full deadlines.
      const ok = (await net.pings(net.ns.c1, to, 5)) || (await net.pings(net.ns.c1, to, 5));
      return [path, ok] as const;
    }),
  );
  return Object.fromEntries(results) as Record<Path, boolean>;
}

/** Each container answers UDP port 7 with its name, on any address it is given. */
async function echoServers(net: Network) {
  await net.serve(net.ns.c1, "echo", "0.0.0.0", "7", "c1");
  await net.serve(net.ns.c2, "echo", "0.0.0.0", "7", "c2");
  expect(await net.whoAnswers(address("c2"))).toBe("c2");
}

/** c1 takes c2's IPv4 address for itself (so that it would answer), then claims it by ARP. */
async function claimByArp(net: Network) {
  await net.ip(net.ns.c1, "addr", "add", `${address("c2")}/32`, "dev", "eth0");
  return () => net.packets(net.ns.c1, "garp", "eth0", address("c2"));
}

/** c1 takes c2's MAC and IPv4 address, then sends frames from that MAC (bridge FDB learning). */
async function forgeMac(net: Network) {
  const mac = await net.macOf("c2");
  await net.ip(net.ns.c1, "link", "set", "dev", "eth0", "address", mac);
  await net.ip(net.ns.c1, "addr", "add", `${address("c2")}/32`, "dev", "eth0");
  return () => net.packets(net.ns.c1, "frames", "eth0", mac);
}

/** c1 claims c2's IPv6 address by an unsolicited, overriding neighbour advertisement. */
async function claimByNdp(net: Network) {
  await net.ip(net.ns.c1, "-6", "addr", "add", `${address6("c2")}/128`, "dev", "eth0", "nodad");
  return () => net.packets(net.ns.c1, "na", "eth0", address6("c2"));
}

describe.skipIf(!canRun)(`tenant network policy in real network namespaces (${SKIP})`, () => {
  it("keeps containers from each other, the LAN, the host's other addresses and IPv6, and lets them reach the host and the internet", async ({
    onTestFinished,
  }) => {
    const rules = await rulesFor();
    const net = await topology("routed", onTestFinished);

    // Without the rules every path works: the topology is sound.
    expect(await reachable(net)).toEqual(
      Object.fromEntries(Object.keys(PATHS).map((p) => [p, true])),
    );

    await net.load(ruleset(rules));
    expect(await reachable(net)).toEqual({
      "the host's address": true,
      "the host's uplink address": false,
      "another container (IPv4)": false,
      "another container (IPv6)": false,
      "a LAN host (IPv4)": false,
      "the internet (IPv4)": true,
      "the internet (IPv6)": false,
    });
  }, 120_000);

  it("lets a container reach an allow-listed LAN address, and no other", async ({
    onTestFinished,
  }) => {
    const rules = await rulesFor(`lanAllowlist = [ "192.168.1.1/32" ];`);
    const net = await topology("routed", onTestFinished);
    await net.load(ruleset(rules));
    expect(await net.pings(net.ns.c1, "192.168.1.1", 5)).toBe(true);
    expect(await net.pings(net.ns.c1, address("c2"), 3)).toBe(false);
  }, 120_000);

  // Each builds namespaces of its own and spends its time waiting on packets: run side by side.
  describe.concurrent("a container cannot take another's address", () => {
    const attacks = { "by ARP": claimByArp, "with a forged MAC": forgeMac } as const;

    for (const [how, attack] of Object.entries(attacks)) {
      it(`${how}: on the bridge it could; routed, the host's traffic for c2 still reaches c2`, async ({
        expect,
        onTestFinished,
      }) => {
        const bridged = await topology("bridged", onTestFinished);
        await bridged.load(BRIDGE_ISOLATION);
        await echoServers(bridged);
        const strikeBridged = await attack(bridged);
        expect(
          await eventually(
            strikeBridged,
            async () => (await bridged.whoAnswers(address("c2"))) === "c1",
          ),
        ).toBe(true);

        const routed = await topology("routed", onTestFinished);
        await routed.load(ruleset(await rulesFor()));
        await echoServers(routed);
        const c1Mac = await routed.macOf("c1");
        const strike = await attack(routed);
        for (let round = 0; round < 3; round++) {
          await strike();
          // c1's ping follows what it sent over its own link: once answered, that was seen.
          expect(await routed.pings(routed.ns.c1, HOST, 5)).toBe(true);
          expect(await routed.whoAnswers(address("c2"))).toBe("c2");
        }
        const entries = await routed.neighbours(address("c2"));
        expect(entries).toEqual([{ dev: "ve-c2", lladdr: await routed.macOf("c2") }]);
        expect(entries.map((e) => e.lladdr)).not.toContain(c1Mac);
      }, 120_000);
    }

    it("by NDP: on the bridge it could; routed, the host never takes c2's IPv6 address for c1's", async ({
      expect,
      onTestFinished,
    }) => {
      const bridged = await topology("bridged", onTestFinished);
      await bridged.load(BRIDGE_ISOLATION);
      expect(await bridged.pings(bridged.ns.H, address6("c2"), 5)).toBe(true);
      const c1Mac = await bridged.macOf("c1");
      const strikeBridged = await claimByNdp(bridged);
      expect(
        await eventually(strikeBridged, async () =>
          (await bridged.neighbours(address6("c2"))).some((n) => n.lladdr === c1Mac),
        ),
      ).toBe(true);

      const routed = await topology("routed", onTestFinished);
      await routed.load(ruleset(await rulesFor()));
      await echoServers(routed);
      const strike = await claimByNdp(routed);
      for (let round = 0; round < 3; round++) {
        await strike();
        // c1's ping follows the advertisements over its own link: once answered, they were seen.
        expect(await routed.pings(routed.ns.c1, HOST, 5)).toBe(true);
        expect(await routed.whoAnswers(address("c2"))).toBe("c2");
      }
      const entries = await routed.neighbours(address6("c2"));
      expect(entries.filter((n) => n.dev !== "ve-c2" || n.lladdr === c1Mac)).toEqual([]);
    }, 120_000);
  });

  it.skipIf(!DNSMASQ)(
    `answers every container's DNS on the host's address as containers come and go (${DNSMASQ ? "with dnsmasq" : "needs dnsmasq (Debian: dnsmasq-base)"})`,
    async ({ onTestFinished }) => {
      const net = await topology("routed", onTestFinished);
      await net.load(ruleset(await rulesFor()));
      await net.detach("c1");
      await net.detach("c2");
      // As network.nix configures it, with no container running yet: no interface has the
      // host's address, and bind-dynamic binds it whenever one does.
      await net.daemon(
        net.ns.H,
        [
          DNSMASQ as string,
          "--keep-in-foreground",
          "--log-facility=-",
          "--conf-file=/dev/null",
          "--pid-file=",
          "--no-resolv",
          "--no-hosts",
          "--user=nobody",
          "--group=nogroup",
          `--listen-address=${HOST}`,
          "--bind-dynamic",
          "--address=/probe.voxnix/192.0.2.7",
        ],
        "stderr",
      );
      const answers = (c: Container) => async () =>
        (
          await net.packets(net.ns[c], "dns", HOST, "probe.voxnix").catch(() => undefined)
        )?.stdout.trim() === "192.0.2.7";
      const none = async () => undefined;
      await net.attach("c1");
      expect(await eventually(none, answers("c1"))).toBe(true);
      await net.attach("c2");
      expect(await eventually(none, answers("c2"))).toBe(true);
      await net.detach("c1");
      expect(await eventually(none, answers("c2"))).toBe(true);
    },
    120_000,
  );

  it("a container's packets carry its own address: forged IPv4 and IPv6 sources never reach the host", async ({
    onTestFinished,
  }) => {
    const dir = tempDir();
    const seen = join(dir, "seen");
    const seen6 = join(dir, "seen6");
    const lines = async (path: string) =>
      (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);
    const net = await topology("routed", onTestFinished);
    await net.serve(net.ns.H, "listen", HOST, "53", seen);
    await net.serve(net.ns.H, "listen", HOST6, "53", seen6);
    const send = (source: string, text: string) =>
      net.packets(
        net.ns.c1,
        source.includes(":") ? "udp6" : "udp4",
        source,
        source.includes(":") ? HOST6 : HOST,
        "53",
        text,
      );

    // Without the rules, the host takes c1's forgery for c2.
    await send(address("c2"), "forged");
    await send(address6("c2"), "forged6");
    const arrived = async () =>
      (await lines(seen)).includes(`${address("c2")} forged`) &&
      (await lines(seen6)).includes(`${address6("c2")} forged6`);
    expect(await eventually(async () => undefined, arrived)).toBe(true);

    await net.load(ruleset(await rulesFor()));
    const before = { v4: (await lines(seen)).length, v6: (await lines(seen6)).length };
    for (const source of [address("c2"), HOST, "192.168.1.2", "198.51.100.7", "10.100.0.77"])
      await send(source, `as ${source}`);
    for (const source of [address6("c2"), address6("c1"), "fe80::1"])
      await send(source, `as ${source}`);
    // c1's own address passes, and it was sent last over the same link: once it is seen, the
    // forgeries before it were dropped, not late.
    await send(address("c1"), "marker");
    expect(
      await eventually(
        async () => undefined,
        async () => (await lines(seen)).includes(`${address("c1")} marker`),
      ),
    ).toBe(true);
    expect((await lines(seen)).slice(before.v4)).toEqual([`${address("c1")} marker`]);
    expect((await lines(seen6)).slice(before.v6)).toEqual([]);
  }, 120_000);
});
