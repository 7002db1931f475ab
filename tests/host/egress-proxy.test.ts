// Secrets used, never read (issue 27), for real: container stand-ins are network namespaces
// wired as nixos-containers' template wires a container (a veth pair, ve-NAME on the host with
// the host's address and a route to the container's address), behind the tenant rules
// nix/host/tenant-firewall.nix renders; the egress proxy and the real workloads service (fake
// host) run in this process, on the host side, and the upstream is an HTTPS server on loopback
// with a certificate from a test CA. Requests are made with curl inside the namespaces.
//
// The host side is this process's own network namespace, so the proxy (a Node server) can run
// here: its interfaces carry the test's tag and a network of their own (10.254.N.0/24), and the
// rules are loaded as a table of the test's own that matches only those interfaces.
import { execa } from "execa";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  addressText,
  parseContainerNetwork,
  type ContainerNetwork,
} from "../../src/container-network.js";
import { startEgressProxy, type EgressProxy } from "../../src/egress/proxy.js";
import { egressEnvFiles } from "../../src/host/egress-env.js";
import { locateOnPath } from "../../src/host/locate.js";
import { Secret } from "../../src/secret.js";
import { createWorkloads, secretBox, type Workloads } from "../../src/workloads/index.js";
import { captureLog } from "../support/capture-log.js";
import { makeTestCa, startFakeUpstream, type TestCa } from "../support/fake-upstream.js";
import { hasNix } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { tempDir } from "../support/temp-dir.js";
import type { Rules } from "../support/tenant-rules.js";
import { nixEval } from "../support/nix.js";
import { alice, bob, testWorkloads } from "../support/test-workloads.js";

const TOOLS = ["ip", "nft", "curl", "openssl"];
const canRun =
  process.getuid?.() === 0 &&
  hasNix &&
  TOOLS.every((tool) => locateOnPath(tool, `${process.env.PATH ?? ""}:/usr/sbin`) !== undefined);
const SKIP = canRun
  ? "as root, with ip, nft, curl, openssl and nix-instantiate"
  : "needs root, ip (iproute2), nft (nftables), curl, openssl and nix-instantiate; CI has them";

const KEY = TEST_SECRETS.upstreamKey;
const SUBNET = 16 + (process.pid % 200);
const NETWORK = parseContainerNetwork(`10.254.${SUBNET}.0/24`) as ContainerNetwork;
const HOST = NETWORK.hostAddress;
let setUps = 0;

const sh = (argv: string[]) => execa(argv[0] as string, argv.slice(1), { timeout: 30_000 });

/** A container stand-in: namespace TAG+NAME, its host end ve-TAG+NAME. */
interface Stand {
  readonly ns: string;
  readonly veth: string;
  readonly address: string;
}

/**
 * Wires container stand-ins `tag`+suffix at their addresses (one `ip -batch` for the host's
 * side and one per namespace: a few processes, not dozens).
 */
async function attach(tag: string, stands: Record<string, string>): Promise<Stand[]> {
  const wired = Object.entries(stands).map(([suffix, address]) => ({
    ns: `${tag}${suffix}`,
    veth: `ve-${tag}${suffix}`,
    address,
  }));
  for (const { ns } of wired)
    onTestFinished(async () => void (await execa("ip", ["netns", "del", ns], { reject: false })));
  const batch = (argv: string[], lines: string[]) =>
    execa("ip", [...argv, "-batch", "-"], { input: lines.join("\n"), timeout: 30_000 });
  await batch(
    [],
    wired.flatMap(({ ns, veth }) => [
      `netns add ${ns}`,
      `link add ${veth} type veth peer name eth0 netns ${ns}`,
    ]),
  );
  await Promise.all(
    wired.map(({ ns, address }) =>
      batch(
        ["-n", ns],
        [
          "link set lo up",
          "link set eth0 up",
          `addr add ${address}/32 dev eth0`,
          `route add ${HOST} dev eth0`,
          `route add default via ${HOST}`,
        ],
      ),
    ),
  );
  await batch(
    [],
    wired.flatMap(({ veth, address }) => [
      `link set ${veth} up`,
      `addr add ${HOST}/32 dev ${veth}`,
      `route add ${address}/32 dev ${veth}`,
    ]),
  );
  return wired;
}

/** The voxnix-tenants table tenant-firewall.nix renders, with the proxy's port or without. */
async function renderRules(egressPort: number | null): Promise<string> {
  const rules = (await nixEval(
    `import ${REPO_ROOT}/nix/host/tenant-firewall.nix { uplink = "eth0"; containerNetwork = "${NETWORK.cidr}"; ${egressPort === null ? "" : `egressPort = ${egressPort};`} }`,
  )) as Rules;
  return rules.tables["voxnix-tenants"]?.content ?? "";
}

/** Rendered once; the port is the proxy's, which each test's proxy picks. */
const RENDERED_PORT = 65_432;
const rendered: { closed: string; open: string } = { closed: "", open: "" };

/** The appliance's tenant rules, for this test's interfaces only, as table `vxegress-TAG`. */
async function loadRules(tag: string, egressPort: number | null) {
  const table = `vxegress-${tag}`;
  const content = (
    egressPort === null
      ? rendered.closed
      : rendered.open.replaceAll(`dport ${RENDERED_PORT} `, `dport ${egressPort} `)
  ).replaceAll('iifname "ve-*"', `iifname "ve-${tag}*"`);
  await execa("nft", ["delete", "table", "inet", table], { reject: false });
  await execa("nft", ["-f", "-"], { input: `table inet ${table} {\n${content}\n}` });
}

/** curl in `stand`'s namespace; each piece of the body goes to `onChunk` as it arrives. */
async function curl(
  stand: Stand,
  url: string,
  options: {
    headers?: Record<string, string>;
    body?: string;
    from?: string;
    env?: Record<string, string>;
    onChunk?: (text: string) => void;
  } = {},
) {
  // A connection the rules allow is made at once; one they drop is given up on after 2 s.
  const argv = ["-sS", "-N", "--connect-timeout", "2", "--max-time", "30"];
  argv.push("-o", "-", "-w", "\n%{http_code}");
  for (const [name, value] of Object.entries(options.headers ?? {}))
    argv.push("-H", `${name}: ${value}`);
  if (options.body !== undefined) argv.push("--data-binary", options.body);
  if (options.from) argv.push("--interface", options.from);
  const child = execa("ip", ["netns", "exec", stand.ns, "curl", ...argv, url], {
    reject: false,
    timeout: 60_000,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", ...options.env },
  });
  child.stdout?.on("data", (chunk: Buffer) => options.onChunk?.(chunk.toString("utf8")));
  const result = await child;
  const lines = result.stdout.split("\n");
  return {
    status: Number(lines.at(-1)),
    body: lines.slice(0, -1).join("\n"),
    exitCode: result.exitCode,
    stderr: result.stderr,
    all: result.stdout + result.stderr,
  };
}

/** The container's egress environment as a process in it gets it (container-base.nix). */
function environmentOf(envDir: string, name: string): Record<string, string> {
  const text = readFileSync(join(envDir, name, "env"), "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

let ca: TestCa;
let caDir: string;
beforeAll(async () => {
  if (!canRun) return;
  caDir = mkdtempSync("/tmp/voxnix-egress-ca-");
  [ca, rendered.closed, rendered.open] = await Promise.all([
    makeTestCa(caDir),
    renderRules(null),
    renderRules(RENDERED_PORT),
  ]);
  expect(rendered.open).toContain(`tcp dport ${RENDERED_PORT} accept`);
}, 60_000);
afterAll(() => {
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

/**
 * The host side and two containers: the upstream, the proxy, workloads with secrets on (this
 * test's network), Alice's dev using her secret `claude` (a header secret for the upstream)
 * and Bob's bobs, wired with the tenant rules loaded (`egressPort` open unless null).
 */
async function setUp(options: { open?: boolean } = {}) {
  const tag = `e${process.pid % 10000}${String.fromCharCode(97 + (setUps++ % 26))}`;
  const upstream = await startFakeUpstream(ca);
  onTestFinished(() => upstream.close());
  const logs = captureLog({ level: "debug", secrets: [KEY] });
  let service: Workloads | undefined;
  const proxy: EgressProxy = await startEgressProxy({
    workloads: {
      egress: {
        credential: (input) => (service as Workloads).egress.credential(input),
        used: (credential) => (service as Workloads).egress.used(credential),
      },
    },
    log: logs.log,
    host: HOST,
    port: 0,
    extraCa: ca.caPem,
  });
  onTestFinished(async () => {
    await proxy.close();
    expect(logs.lines().join("\n")).not.toContain(KEY);
  });
  const t = await testWorkloads();
  const envDir = join(tempDir("voxnix-egress-"), "egress");
  const w = (service = createWorkloads({
    ...t.deps,
    containerNetwork: NETWORK,
    secrets: {
      box: secretBox(Buffer.from(TEST_SECRETS.secretsKey, "hex")),
      proxyUrl: proxy.url,
      envFiles: egressEnvFiles(envDir),
    },
  }));
  await Promise.all([
    w.create(alice, { name: "dev", modules: [] }),
    w.create(bob, { name: "bobs", modules: [] }),
  ]);
  const addressOf = (name: string) => addressText(t.store.addresses.find(name) as number);
  w.secrets.add(alice, {
    name: "claude",
    kind: "header",
    host: upstream.host,
    header: "x-api-key",
    value: new Secret(KEY),
  });
  await w.secrets.use(alice, { secret: "claude", container: "dev" });
  onTestFinished(
    async () =>
      void (await execa("nft", ["delete", "table", "inet", `vxegress-${tag}`], { reject: false })),
  );
  const port = Number(new URL(proxy.url).port);
  await loadRules(tag, options.open === false ? null : port);
  const [dev, bobs] = (await attach(tag, {
    d: addressOf("dev"),
    b: addressOf("bobs"),
  })) as [Stand, Stand];
  return { tag, port, upstream, proxy, w, store: t.store, envDir, dev, bobs };
}

describe.skipIf(!canRun)(`egress proxy for containers in network namespaces (${SKIP})`, () => {
  it("is reachable from a container only once the tenant rules open its port", async () => {
    const s = await setUp({ open: false });
    const url = `${environmentOf(s.envDir, "dev").VOXNIX_SECRET_CLAUDE_URL}/v1/models`;
    const closed = await curl(s.dev, url);
    expect(closed.exitCode).not.toBe(0); // dropped: curl gives up connecting
    await loadRules(s.tag, s.port);
    expect((await curl(s.dev, url)).status).toBe(200);
  }, 60_000);

  it("forwards a container's request with the real key, which the container never sees", async () => {
    const s = await setUp();
    // What a program in the container has: its egress environment, read by its shell.
    const env = environmentOf(s.envDir, "dev");
    expect(env.VOXNIX_SECRET_CLAUDE_URL).toBe(`${s.proxy.url}/claude`);
    const answer = await curl(s.dev, `${env.VOXNIX_SECRET_CLAUDE_URL}/v1/messages`, {
      env,
      headers: {
        "content-type": "application/json",
        "x-api-key": "voxnix-proxy-injects-the-real-key",
        authorization: "Bearer the-containers-own-token",
      },
      body: '{"model":"m","stream":false}',
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method: "POST", url: "/v1/messages" });
    const got = s.upstream.received.at(-1);
    expect(got?.headers["x-api-key"]).toBe(KEY);
    expect(got?.headers.authorization).toBeUndefined();
    expect(got?.body).toBe('{"model":"m","stream":false}');
    // Nothing the container has holds the key: its environment, its files from the host, what
    // it received. (The registry holds it sealed: tempDir's scan fails the test otherwise.)
    expect(JSON.stringify(env)).not.toContain(KEY);
    for (const file of readdirSync(join(s.envDir, "dev")))
      expect(readFileSync(join(s.envDir, "dev", file), "utf8")).not.toContain(KEY);
    expect(answer.all).not.toContain(KEY);
    expect(s.w.secrets.list(alice)[0]?.uses).toEqual([
      { container: "dev", requests: 1, lastUsedAtMs: expect.any(Number) },
    ]);
  }, 60_000);

  it("refuses another user's container and a source address its sender does not own", async () => {
    const s = await setUp();
    const other = await curl(s.bobs, `${s.proxy.url}/claude/v1/models`);
    expect(other.status).toBe(403);
    expect(other.body).toMatch(/bobs may not use a secret called "claude"/);
    // Bob's container takes dev's address as its own too and sends from it.
    await sh(["ip", "-n", s.bobs.ns, "addr", "add", `${s.dev.address}/32`, "dev", "eth0"]);
    const spoofed = await curl(s.bobs, `${s.proxy.url}/claude/v1/models`, { from: s.dev.address });
    expect(spoofed.exitCode).not.toBe(0);
    expect(spoofed.status).not.toBe(200);
    expect(s.upstream.received).toEqual([]);
  }, 60_000);

  it("streams an answer chunk by chunk, and stops a revoked use at once", async () => {
    const s = await setUp();
    let seen = "";
    let firstChunk: () => void = () => {};
    const first = new Promise<void>((resolve) => (firstChunk = resolve));
    const streamed = curl(s.dev, `${s.proxy.url}/claude/stream`, {
      onChunk: (text) => {
        seen += text;
        if (seen.includes("data: 1")) firstChunk();
      },
    });
    await first; // the upstream holds the rest until released: nothing was buffered
    expect(seen).not.toContain("data: 2");
    s.upstream.release();
    expect((await streamed).body).toBe("data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");

    await s.w.secrets.unuse(alice, { secret: "claude", container: "dev" });
    expect(environmentOf(s.envDir, "dev").VOXNIX_SECRET_CLAUDE_URL).toBeUndefined();
    expect((await curl(s.dev, `${s.proxy.url}/claude/v1/models`)).status).toBe(403);
    await s.w.secrets.use(alice, { secret: "claude", container: "dev" });
    expect((await curl(s.dev, `${s.proxy.url}/claude/v1/models`)).status).toBe(200);
  }, 60_000);
});
