import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Transform } from "node:stream";
import { createSecureContext, rootCertificates } from "node:tls";
import { VoxnixError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  Refusal,
  STRIPPED_REQUEST_HEADERS,
  type EgressCredential,
  type Workloads,
} from "../workloads/index.js";

/** Bounds per container; every one is a refusal the container's client sees, never a hang. */
export interface EgressLimits {
  /** Requests one container has in flight at once. */
  readonly concurrentPerContainer: number;
  /** The largest request body forwarded. */
  readonly requestBytes: number;
  /** The longest a request may take, response streamed to its end included. */
  readonly requestMs: number;
}

export const DEFAULT_EGRESS_LIMITS: EgressLimits = {
  concurrentPerContainer: 16,
  requestBytes: 32 * 1024 ** 2,
  // A model's long answer streams for minutes.
  requestMs: 15 * 60_000,
};

export interface EgressProxyOptions {
  readonly workloads: Pick<Workloads, "egress">;
  readonly log: Logger;
  /**
   * The host's address on the containers' network, the only one a connection is taken on, and
   * the port (VOXNIX_EGRESS_PORT; 0 for any free one).
   */
  readonly host: string;
  readonly port: number;
  /** PEM certificates trusted for upstreams beside Node's roots (VOXNIX_EGRESS_CA_FILE). */
  readonly extraCa?: string | undefined;
  readonly limits?: Partial<EgressLimits>;
}

export interface EgressProxy {
  readonly url: string;
  close(): Promise<void>;
}

/** Response headers that belong to one connection, not to the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

/**
 * The egress proxy: a plain-HTTP server on the host's address on the containers' network that
 * a container calls as `http://HOST:PORT/<secret name or kind>/<path>`. The container is who
 * the source address says (the tenant firewall drops any source a container does not own),
 * workloads decides whether it may use that secret, and the request goes on over HTTPS to the
 * secret's own upstream, and nowhere else, with the secret in its header and every credential
 * the container sent removed. Bodies stream both ways as they come (an SSE answer reaches the
 * container chunk by chunk), within per-container bounds of concurrency, size and time.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const limits = { ...DEFAULT_EGRESS_LIMITS, ...options.limits };
  const log = options.log;
  // One TLS context for every upstream connection: `ca` replaces Node's roots, so they are given
  // back beside the extra certificates. Given as a context, not as the agent's `ca`: https.Agent
  // puts `ca` into each request's pool key (every root's PEM, per request) and parses it again
  // for each new connection.
  const secureContext = options.extraCa
    ? createSecureContext({ ca: [...rootCertificates, options.extraCa] })
    : undefined;
  const agent = new Agent({ keepAlive: true, ...(secureContext ? { secureContext } : {}) });
  const inFlight = new Map<string, number>();
  const sockets = new Set<Socket>();

  const refuse = (res: ServerResponse, status: number, text: string) => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
    res.end(`voxnix egress: ${text}\n`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const address = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    // Origin-form only: an absolute URL (a forward proxy's request) names a host of its own.
    const target = req.url ?? "";
    const match = /^\/([a-z][a-z0-9-]{0,31})(\/[^#]*)?$/.exec(target.split("?")[0] as string);
    if (!target.startsWith("/") || !match)
      return refuse(res, 400, "ask for http://HOST:PORT/<secret or kind>/<path>");
    const route = match[1] as string;
    const path =
      (match[2] ?? "/") + (target.includes("?") ? target.slice(target.indexOf("?")) : "");

    let credential: EgressCredential;
    try {
      credential = options.workloads.egress.credential({ address, route });
    } catch (error) {
      if (!(error instanceof Refusal)) {
        // A value that does not open (another key, tampering): its owner adds it again.
        log.warn({ address, route, err: error }, "egress credential failed");
        return refuse(res, 500, error instanceof VoxnixError ? error.userMessage : "failed");
      }
      const status = error.reason === "conflict" ? 409 : 403;
      log.info({ address, route, status }, "egress request refused");
      return refuse(res, status, error.userMessage);
    }
    const { container } = credential;
    const running = inFlight.get(container) ?? 0;
    if (running >= limits.concurrentPerContainer)
      return refuse(res, 429, `at most ${limits.concurrentPerContainer} requests at once`);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limits.requestBytes)
      return refuse(res, 413, `a request body is at most ${limits.requestBytes} bytes`);
    inFlight.set(container, running + 1);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      const left = (inFlight.get(container) ?? 1) - 1;
      if (left === 0) inFlight.delete(container);
      else inFlight.set(container, left);
    };

    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || STRIPPED_REQUEST_HEADERS.has(name) || name === credential.header)
        continue;
      headers[name] = value;
    }
    const [hostname, port] = credential.host.split(":") as [string, string | undefined];
    headers.host = credential.host;
    headers[credential.header] = credential.prefix + credential.value.reveal();

    const upstream = httpsRequest({
      agent,
      host: hostname,
      servername: hostname,
      port: Number(port ?? 443),
      method: req.method,
      path,
      headers,
    });
    // Small writes go out at once (headers, then an SSE client's events), never held for
    // Nagle's algorithm to meet the peer's delayed ACK.
    upstream.setNoDelay(true);
    const deadline = setTimeout(() => {
      upstream.destroy(new Error("egress request took too long"));
      refuse(res, 504, `a request may take at most ${limits.requestMs / 1000} s`);
    }, limits.requestMs);

    upstream.on("response", (answer) => {
      options.workloads.egress.used(credential);
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers))
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      log.warn({ container, upstream: hostname, err: error.message }, "egress upstream failed");
      refuse(res, 502, "the upstream did not answer");
    });
    res.on("close", () => {
      settle();
      if (!res.writableFinished) upstream.destroy();
    });

    let bytes = 0;
    const bounded = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limits.requestBytes) {
          refuse(res, 413, `a request body is at most ${limits.requestBytes} bytes`);
          upstream.destroy();
          return done(new Error("request body too large"));
        }
        done(null, chunk);
      },
    });
    const hasBody =
      req.headers["transfer-encoding"] !== undefined || (declared > 0 && !Number.isNaN(declared));
    if (!hasBody) {
      req.resume();
      upstream.end();
      return;
    }
    req.pipe(bounded).pipe(upstream);
    bounded.on("error", () => req.destroy());
  };

  const server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, handle);
  server.on("connection", (socket) => {
    // Only what reaches the host's address on the containers' network: the port is open on the
    // others too (see the listen below), and tenant-firewall.nix admits only containers to it.
    if (socket.localAddress?.replace(/^::ffff:/, "") !== options.host) return socket.destroy();
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // The host's address exists only while some container runs (nixos-containers puts it on
    // each ve-NAME), and Node cannot bind an address the host does not have yet (no
    // IP_FREEBIND), so the proxy listens on every IPv4 address and takes only connections to
    // that one.
    server.listen(options.port, "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.info({ host: options.host, port }, "egress proxy listening");
  return {
    url: `http://${options.host}:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}
