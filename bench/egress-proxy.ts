import { rmSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, createServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { addressNumber } from "../src/container-network.js";
import { startEgressProxy } from "../src/egress/proxy.js";
import { egressEnvFiles } from "../src/host/egress-env.js";
import { createLogger } from "../src/log.js";
import { Secret } from "../src/secret.js";
import { openStore } from "../src/store/index.js";
import { createWorkloads, secretBox, type WorkloadDeps } from "../src/workloads/index.js";
import { makeTestCa } from "../tests/support/fake-upstream.js";
import { tempDir } from "./fixtures.js";
import { percentile, round } from "./stats.js";

const REQUESTS = 300;
const STREAMS = 30;
const EVENTS = 200;

/**
 * The egress proxy's cost: a small request, and a streamed answer (SSE, 200 events), each
 * through the proxy (source lookup, secret opened, headers rewritten, a keep-alive TLS
 * connection upstream) against the same call made directly to the same loopback upstream over
 * TLS, in one run. The registry and the box are the real ones; the container is loopback's
 * address.
 */
export async function benchEgressProxy() {
  const dir = tempDir();
  const ca = await makeTestCa(dir);
  const upstream = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/sse") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        let sent = 0;
        const next = () => {
          if (sent++ === EVENTS) return res.end("data: [DONE]\n\n");
          res.write(`data: ${"x".repeat(90)}\n\n`);
          setImmediate(next);
        };
        return next();
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;

  const store = openStore(join(dir, "voxnix.sqlite"));
  store.containers.insert({ name: "dev", ownerId: 1001, spec: {}, state: "running" });
  const loopback = addressNumber("127.0.0.1") as number;
  store.addresses.assign("dev", { first: loopback, last: loopback });
  const log = createLogger({ level: "silent" });
  const w = createWorkloads({
    store,
    log,
    now: Date.now,
    secrets: {
      box: secretBox(Buffer.alloc(32, 7)),
      proxyUrl: "http://127.0.0.1",
      envFiles: egressEnvFiles(join(dir, "egress")),
    },
  } as unknown as WorkloadDeps);
  const actor = { userId: 1001, role: "user", via: "cli" } as const;
  w.secrets.add(actor, {
    name: "api",
    kind: "bearer",
    host: `localhost:${upstreamPort}`,
    value: new Secret("bench-key"),
  });
  await w.secrets.use(actor, { secret: "api", container: "dev" });
  const proxy = await startEgressProxy({
    workloads: w,
    log,
    host: "127.0.0.1",
    port: 0,
    extraCa: ca.caPem,
  });
  const proxyPort = Number(new URL(proxy.url).port);

  const tls = new HttpsAgent({ keepAlive: true, ca: ca.caPem });
  const plain = new HttpAgent({ keepAlive: true });
  /** ms to the first byte and to the end of one GET, direct (TLS) or through the proxy. */
  const get = (via: "direct" | "proxy", path: string) =>
    new Promise<{ firstMs: number; totalMs: number }>((resolve, reject) => {
      const start = performance.now();
      let firstMs = 0;
      const req =
        via === "direct"
          ? httpsRequest({
              agent: tls,
              host: "localhost",
              port: upstreamPort,
              path,
              headers: { authorization: "Bearer bench-key" },
            })
          : httpRequest({ agent: plain, host: "127.0.0.1", port: proxyPort, path: `/api${path}` });
      req.on("response", (res) => {
        res.on("data", () => {
          if (firstMs === 0) firstMs = performance.now() - start;
        });
        res.on("end", () => resolve({ firstMs, totalMs: performance.now() - start }));
      });
      req.on("error", reject);
      req.end();
    });
  const measure = async (via: "direct" | "proxy", path: string, n: number) => {
    for (let i = 0; i < 20; i++) await get(via, path); // warm: connections, JIT
    const runs = [];
    for (let i = 0; i < n; i++) runs.push(await get(via, path));
    return {
      total: percentile(
        runs.map((r) => r.totalMs),
        50,
      ),
      first: percentile(
        runs.map((r) => r.firstMs),
        50,
      ),
    };
  };

  const small = {
    direct: await measure("direct", "/v1/x", REQUESTS),
    proxy: await measure("proxy", "/v1/x", REQUESTS),
  };
  const stream = {
    direct: await measure("direct", "/sse", STREAMS),
    proxy: await measure("proxy", "/sse", STREAMS),
  };
  await proxy.close();
  tls.destroy();
  plain.destroy();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  store.close();
  rmSync(dir, { recursive: true, force: true });

  const ms = (n: number) => `${round(n, 2)} ms`;
  return [
    {
      measure: `egress: small request, median of ${REQUESTS}`,
      voxnix: ms(small.proxy.total),
      baseline: `${ms(small.direct.total)} (direct TLS, same upstream)`,
      ratio: round(small.proxy.total / small.direct.total, 2),
      target: "a millisecond or so over direct: nothing next to an API's own latency",
    },
    {
      measure: `egress: SSE ${EVENTS} events, first byte (median of ${STREAMS})`,
      voxnix: ms(stream.proxy.first),
      baseline: `${ms(stream.direct.first)} (direct)`,
      ratio: round(stream.proxy.first / stream.direct.first, 2),
      target: "streamed, not buffered: first byte long before the end",
    },
    {
      measure: `egress: SSE ${EVENTS} events, to the end (median of ${STREAMS})`,
      voxnix: ms(stream.proxy.total),
      baseline: `${ms(stream.direct.total)} (direct)`,
      ratio: round(stream.proxy.total / stream.direct.total, 2),
      target: "close to 1",
    },
  ];
}
