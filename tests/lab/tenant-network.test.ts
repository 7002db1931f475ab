// The tenant firewall (nix/host/tenant-firewall.nix, loaded as tests/host/tenant-firewall.test.ts
// loads it) on the links real systemd-nspawn makes: two containers started by the lab's systemd
// from the container@ template, each on its routed ve-NAME with HOST_ADDRESS and LOCAL_ADDRESS
// from voxnix's conf. What a container sends is sent from inside it, through the way in, as its
// root: ping, and tests/support/packets.py's raw frames and packets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerExec } from "../../src/host/container-exec.js";
import { hasNix } from "../support/nix.js";
import { rulesFor, ruleset } from "../support/tenant-rules.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import {
  bootLab,
  cannotRunLab,
  labContainer,
  labInstaller,
  STORE,
  until,
  type Lab,
} from "../support/lab.js";

const cannot = cannotRunLab() ?? (hasNix ? undefined : "needs nix-instantiate (nix-bin)");
const SW = `${STORE.tenantSystem}/sw/bin`;
const PACKETS = `${STORE.tenantSystem}/packets.py`;
const HOST = "10.100.0.1";
const F1 = "10.100.0.11";
const F2 = "10.100.0.12";

describe.skipIf(cannot)(`the tenant firewall on nspawn's veths (lab: ${cannot ?? "runs"})`, () => {
  let lab: Lab;
  const inside = () => containerExec(lab.runner);
  /** Whether container `from` gets an echo reply from `to`: two tries of `seconds` each. */
  const pings = async (from: string, to: string, seconds = 5) => {
    for (let i = 0; i < 2; i++) {
      const ok = await inside()
        .run(from, [`${SW}/ping`, "-n", "-q", "-c", "1", "-W", String(seconds), to], 30_000)
        .then(
          () => true,
          () => false,
        );
      if (ok) return true;
    }
    return false;
  };
  const seen = async () =>
    (await lab.run(["cat", "/run/seen"], { allowFailure: true })).stdout
      .split("\n")
      .filter(Boolean);
  const send = (source: string, text: string) =>
    inside().run("f1", [`${SW}/python3`, PACKETS, "udp4", source, HOST, "53", text]);

  beforeAll(async () => {
    lab = await bootLab("network");
    // The appliance's network (nix/host/network.nix): forwarding on, the kernel's reverse-path
    // filter off (the rules do that work), an uplink eth0, and the containers' range going
    // nowhere but to each container's own route.
    // (No sysctl in the image: procps is not in minbase.)
    await lab.run([
      "sh",
      "-ec",
      "for key in ipv4/ip_forward=1 ipv4/conf/all/rp_filter=0 ipv4/conf/default/rp_filter=0; do echo ${key#*=} > /proc/sys/net/${key%=*}; done",
    ]);
    // A veth stands in for the uplink (this kernel has no dummy links).
    await lab.run(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "lan0"]);
    await lab.run(["ip", "link", "set", "lan0", "up"]);
    await lab.run(["ip", "addr", "add", "192.168.1.2/24", "dev", "eth0"]);
    await lab.run(["ip", "link", "set", "eth0", "up"]);
    await lab.run(["ip", "route", "add", "unreachable", "10.100.0.0/24"]);
    const installer = labInstaller(lab);
    await installer.install(labContainer(lab, "f1", 11 - 10));
    await installer.install(labContainer(lab, "f2", 12 - 10));
    for (const name of ["f1", "f2"])
      await lab.run(["systemctl", "start", `container@${name}.service`], { timeoutMs: 90_000 });
    // The host's listener on its address, as the host's DNS would be.
    await lab.run([
      "systemd-run",
      "--unit=listen",
      "--",
      "/usr/bin/python3",
      `${REPO_ROOT}/tests/support/packets.py`,
      "listen",
      HOST,
      "53",
      "/run/seen",
    ]);
    const listening = await until(async () =>
      (await lab.run(["ss", "-Hunl", `src ${HOST}:53`])).stdout.includes(`${HOST}:53`),
    );
    if (!listening) throw new Error("the host's listener did not start");
  }, 240_000);
  afterAll(async () => {
    await lab?.dispose();
  }, 120_000);

  it("the routed links nspawn made carry the template's addresses", async () => {
    const ve = JSON.parse((await lab.run(["ip", "-j", "addr", "show", "dev", "ve-f1"])).stdout);
    expect(ve[0].addr_info.map((a: { local: string }) => a.local)).toContain(HOST);
    expect((await lab.run(["ip", "route", "show", F1])).stdout).toMatch(/ dev ve-f1 /);
    const eth0 = await inside().run("f1", [`${SW}/ip`, "-4", "-o", "addr", "show", "dev", "eth0"]);
    expect(eth0.stdout).toContain(`inet ${F1}/32`);
  }, 60_000);

  it("without the rules a container reaches another and passes for it; with them, neither", async () => {
    expect(await pings("f1", F2)).toBe(true);
    await send(F2, "forged");
    await expect.poll(seen, { timeout: 30_000 }).toContain(`${F2} forged`);

    await lab.run(["nft", "-f", "-"], { input: ruleset(await rulesFor()) });
    expect(await pings("f1", HOST)).toBe(true);
    expect(await pings("f1", F2)).toBe(false);
    const before = (await seen()).length;
    for (const source of [F2, HOST, "192.168.1.2", "10.100.0.77"])
      await send(source, `as ${source}`);
    // Its own address passes, sent last over the same link: once it is seen, the forgeries
    // before it were dropped, not late.
    await send(F1, "marker");
    await expect.poll(seen, { timeout: 30_000 }).toContain(`${F1} marker`);
    expect((await seen()).slice(before)).toEqual([`${F1} marker`]);
  }, 120_000);

  it("a container that claims another's address by ARP does not become it for the host", async () => {
    const mac = async (name: string) =>
      (await inside().run(name, [`${SW}/cat`, "/sys/class/net/eth0/address"])).stdout.trim();
    const f2Mac = await mac("f2");
    // The host knows f2 (a ping from it, through the rules' established state).
    await lab.run(["ping", "-n", "-q", "-c", "1", "-W", "5", F2]);
    await inside().run("f1", [`${SW}/ip`, "addr", "add", `${F2}/32`, "dev", "eth0"]);
    for (let round = 0; round < 3; round++) {
      await inside().run("f1", [`${SW}/python3`, PACKETS, "garp", "eth0", F2]);
      // f1's ping follows its claim over its own link: once answered, the claim was seen.
      expect(await pings("f1", HOST)).toBe(true);
    }
    const entries = JSON.parse(
      (await lab.run(["ip", "-j", "neigh", "show", "to", F2])).stdout || "[]",
    ) as { dev: string; lladdr?: string }[];
    expect(entries.map((e) => ({ dev: e.dev, lladdr: e.lladdr }))).toEqual([
      { dev: "ve-f2", lladdr: f2Mac },
    ]);
  }, 120_000);
});
