// A stand-in for an API the egress proxy forwards to (api.anthropic.com and the like): HTTPS on
// loopback with a certificate from a test CA made by the openssl CLI, recording every request it
// receives. The proxy trusts the CA through its extra-CA option (VOXNIX_EGRESS_CA_FILE), the way
// an admin trusts a private CA: TLS is verified as for any upstream.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface TestCa {
  /** PEM of the CA, for the proxy's trust. */
  readonly caPem: string;
  /** A key and certificate for `localhost` (and 127.0.0.1), signed by the CA. */
  readonly key: string;
  readonly cert: string;
}

/** A CA and a server certificate for localhost, made in `dir` with the openssl CLI. */
export async function makeTestCa(dir: string): Promise<TestCa> {
  const at = (name: string) => join(dir, name);
  const openssl = (...argv: string[]) => execa("openssl", argv, { timeout: 30_000 });
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=voxnix test CA",
  );
  await openssl(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    at("server.key"),
    "-out",
    at("server.csr"),
    "-subj",
    "/CN=localhost",
  );
  const extensions = at("server.ext");
  await execa("sh", [
    "-c",
    `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ${extensions}`,
  ]);
  await openssl(
    "x509",
    "-req",
    "-in",
    at("server.csr"),
    "-CA",
    at("ca.pem"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-out",
    at("server.pem"),
    "-days",
    "2",
    "-extfile",
    extensions,
  );
  return {
    caPem: readFileSync(at("ca.pem"), "utf8"),
    key: readFileSync(at("server.key"), "utf8"),
    cert: readFileSync(at("server.pem"), "utf8"),
  };
}

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeUpstream {
  /** `localhost:PORT`, as a secret's host names it. */
  readonly host: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /**
   * Ends the streamed answer under way (`/stream` sends `data: 1` at once and the rest only
   * when released), so a test sees its first chunk arrive before the upstream finished.
   */
  release(): void;
  close(): Promise<void>;
}

/**
 * Answers `/stream…` with server-sent events held open until `release()`, anything else with a
 * JSON echo of what it got (method, path, body length).
 */
export async function startFakeUpstream(ca: TestCa): Promise<FakeUpstream> {
  const received: ReceivedRequest[] = [];
  const held: ServerResponse[] = [];
  const server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/stream")) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write("data: 1\n\n");
        held.push(res);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `localhost:${port}`,
    port,
    received,
    release() {
      for (const res of held.splice(0)) {
        res.write("data: 2\n\n");
        res.end("data: [DONE]\n\n");
      }
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
