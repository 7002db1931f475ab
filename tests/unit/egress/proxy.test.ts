// The egress proxy on loopback, over real sockets, in front of a TLS upstream with a test CA:
// what it forwards and strips, how it streams, and its bounds. Which container is asking is the
// workloads service's answer (stubbed here; tests/host/egress-proxy.test.ts has the real one,
// with containers in network namespaces behind the tenant firewall).
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEgressProxy, type EgressProxy } from "../../../src/egress/proxy.js";
import { Secret } from "../../../src/secret.js";
import { Refusal, type EgressCredential } from "../../../src/workloads/index.js";
import { captureLog } from "../../support/capture-log.js";
import {
  makeTestCa,
  startFakeUpstream,
  type FakeUpstream,
  type TestCa,
} from "../../support/fake-upstream.js";
import { TEST_SECRETS } from "../../support/secrets.js";

const KEY = TEST_SECRETS.upstreamKey;

let ca: TestCa;
let caDir: string;
beforeAll(async () => {
  caDir = mkdtempSync(join(tmpdir(), "voxnix-ca-"));
  ca = await makeTestCa(caDir);
});
afterAll(() => rmSync(caDir, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A request to the proxy; `onChunk` sees each piece of the body as it arrives. */
function ask(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    onChunk?: (chunk: string) => void;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "GET", headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          options.onChunk?.(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function setUp(limits?: Parameters<typeof startEgressProxy>[0]["limits"]) {
  const upstream = await startFakeUpstream(ca);
  const logs = captureLog({ level: "debug", secrets: [KEY] });
  const used: string[] = [];
  const credential = ({ route }: { address: string; route: string }): EgressCredential => {
    if (route === "claude")
      return {
        container: "dev",
        secretId: 1,
        host: upstream.host,
        header: "x-api-key",
        value: new Secret(KEY),
        prefix: "",
      };
    if (route === "gh")
      return {
        container: "dev",
        secretId: 2,
        host: upstream.host,
        header: "authorization",
        value: new Secret(KEY),
        prefix: "Bearer ",
      };
    throw new Refusal("not-found", `dev may not use a secret called "${route}".`);
  };
  const proxy: EgressProxy = await startEgressProxy({
    workloads: { egress: { credential, used: (c) => void used.push(c.container) } },
    log: logs.log,
    host: "127.0.0.1",
    port: 0,
    extraCa: ca.caPem,
    ...(limits ? { limits } : {}),
  });
  return {
    upstream,
    proxy,
    used,
    logs,
    async close() {
      await proxy.close();
      await upstream.close();
      expect(logs.lines().join("\n")).not.toContain(KEY);
    },
  };
}

describe("egress proxy", () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    s = await setUp({ requestBytes: 1024, concurrentPerContainer: 2 });
    upstream = s.upstream;
  });
  afterAll(() => s.close());

  it("forwards to the secret's upstream with the key injected and the request's own credentials removed", async () => {
    const answer = await ask(`${s.proxy.url}/claude/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "voxnix-proxy-injects-the-real-key",
        authorization: "Bearer the-containers-own",
        cookie: "session=1",
        "anthropic-version": "2023-06-01",
      },
      body: '{"model":"m"}',
    });
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.parse(answer.body)).toEqual({
      method: "POST",
      url: "/v1/messages?beta=true",
      bytes: 13,
    });
    const got = upstream.received.at(-1);
    expect(got?.headers["x-api-key"]).toBe(KEY);
    expect(got?.headers.authorization).toBeUndefined();
    expect(got?.headers.cookie).toBeUndefined();
    expect(got?.headers.host).toBe(upstream.host);
    expect(got?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(got?.body).toBe('{"model":"m"}');
    expect(JSON.stringify(answer)).not.toContain(KEY);
    expect(s.used).toContain("dev");
  });

  it("sends a bearer secret as Authorization: Bearer", async () => {
    await ask(`${s.proxy.url}/gh/user`, { headers: { authorization: "Bearer placeholder" } });
    expect(upstream.received.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("streams an answer as it comes: the first event arrives before the upstream has finished", async () => {
    const chunks: string[] = [];
    let firstSeen: () => void = () => {};
    const first = new Promise<void>((resolve) => (firstSeen = resolve));
    const answer = ask(`${s.proxy.url}/claude/stream`, {
      onChunk: (chunk) => {
        chunks.push(chunk);
        firstSeen();
      },
    });
    await first; // the upstream holds the rest until released
    expect(chunks.join("")).toBe("data: 1\n\n");
    upstream.release();
    const done = await answer;
    expect(done.headers["content-type"]).toBe("text/event-stream");
    expect(done.body).toBe("data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
  });

  it("refuses what workloads refuses, and anything but /<secret>/<path>", async () => {
    const before = upstream.received.length;
    expect(await ask(`${s.proxy.url}/other/x`)).toMatchObject({
      status: 403,
      body: 'voxnix egress: dev may not use a secret called "other".\n',
    });
    // A forward proxy's absolute-form request names a host of its own: never followed.
    const absolute = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: Number(new URL(s.proxy.url).port),
        path: "http://example.com/claude/x",
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(absolute).toBe(400);
    expect((await ask(`${s.proxy.url}/`)).status).toBe(400);
    expect(upstream.received.length).toBe(before);
  });

  it("refuses a body over the size limit, declared or streamed", async () => {
    const before = upstream.received.length;
    const declared = await ask(`${s.proxy.url}/claude/big`, {
      method: "POST",
      body: Buffer.alloc(2048, 97),
    });
    expect(declared.status).toBe(413);
    expect(upstream.received.length).toBe(before);
    // Chunked, without a length: cut off where it passes the limit.
    const streamed = await new Promise<number | string>((resolve) => {
      const req = request(`${s.proxy.url}/claude/big`, {
        method: "POST",
        headers: { "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (error) => resolve(error.message));
      req.write(Buffer.alloc(800, 97));
      req.end(Buffer.alloc(800, 97));
    });
    expect([413, "socket hang up", "read ECONNRESET"]).toContain(streamed);
    expect(upstream.received.filter((r) => r.body.length > 1024)).toEqual([]);
  });

  it("verifies the upstream's certificate: one from a CA it was not given is refused", async () => {
    const logs = captureLog({ level: "debug", secrets: [KEY] });
    const strict = await startEgressProxy({
      workloads: {
        egress: {
          credential: () => ({
            container: "dev",
            secretId: 1,
            host: upstream.host,
            header: "x-api-key",
            value: new Secret(KEY),
            prefix: "",
          }),
          used: () => {},
        },
      },
      log: logs.log,
      host: "127.0.0.1",
      port: 0,
    });
    try {
      const before = upstream.received.length;
      expect(await ask(`${strict.url}/claude/v1/x`)).toMatchObject({ status: 502 });
      expect(upstream.received.length).toBe(before);
      expect(logs.lines().join("\n")).toMatch(/egress upstream failed/);
    } finally {
      await strict.close();
    }
  });

  it("bounds the requests one container has in flight", async () => {
    const held = [ask(`${s.proxy.url}/claude/stream`), ask(`${s.proxy.url}/claude/stream`)];
    // Both reached the upstream: both are in flight.
    await expect
      .poll(() => upstream.received.filter((r) => r.url === "/stream").length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    expect((await ask(`${s.proxy.url}/claude/x`)).status).toBe(429);
    upstream.release();
    await Promise.all(held);
    expect((await ask(`${s.proxy.url}/claude/x`)).status).toBe(200);
  });
});
