import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { isVoxnixError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Secret } from "../secret.js";
import { Refusal, type Actor, type RefusalReason, type Workloads } from "../workloads/index.js";
import { InitDataRejected, verifyInitData } from "./init-data.js";
import { setSecurityHeaders } from "./security-headers.js";
import {
  CLOSE,
  isSize,
  joinTerminal,
  TERMINAL_LIMITS,
  type TerminalLimits,
} from "./terminal-session.js";

export interface WebAppOptions {
  readonly workloads: Workloads;
  /** Mini App initData is signed with it (never sent anywhere, never logged). */
  readonly botToken: Secret;
  readonly log: Logger;
  /** The built page: index.html, app.js, app.css (build.mjs writes them to dist/web/). */
  readonly assetsDir: string;
  /** The page's public URL (VOXNIX_WEB_URL): a socket opened from any other origin is refused. */
  readonly publicUrl: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly terminalLimits?: Partial<TerminalLimits>;
  readonly now?: () => number;
}

export interface WebApp {
  /** Where it listens, e.g. http://127.0.0.1:8470 (the port chosen when 0 was asked for). */
  readonly address: string;
  /** Ends every terminal and stops listening. */
  close(): Promise<void>;
}

const ASSETS = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/app.css": ["app.css", "text/css; charset=utf-8"],
} as const;

/** A socket that has not said which terminal it wants by then is closed. */
const OPEN_WITHIN_MS = 10_000;

const STATUS: Record<RefusalReason, number> = {
  "invalid-input": 400,
  "not-found": 404,
  "name-taken": 409,
  limit: 409,
  quota: 409,
  unavailable: 409,
  "not-allowed": 403,
  "not-confirmed": 409,
  conflict: 409,
  busy: 409,
};

/**
 * The Mini App: the page, a JSON API over workloads, and a WebSocket per terminal, on loopback
 * (tailscale serve publishes it). A transport like bot/: identity comes from Telegram (initData
 * in the Authorization header, `tma <initData>`, on every request; in the first message on a
 * socket), and every decision from workloads. No cookies: a request another site makes cannot
 * carry the header, so actions need no CSRF token.
 */
export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const { workloads, log } = options;
  const now = options.now ?? Date.now;
  const limits = { ...TERMINAL_LIMITS, ...options.terminalLimits };
  // The public URL's, and this server's own on loopback (a page there is this page too).
  const origins = new Set([new URL(options.publicUrl).origin]);
  const assets = new Map(
    Object.entries(ASSETS).map(([path, [file, type]]) => [
      path,
      { type, body: readAsset(join(options.assetsDir, file)) },
    ]),
  );
  if ([...assets.values()].some((asset) => asset.body === undefined))
    log.warn(
      { assetsDir: options.assetsDir },
      "the web app's page is not built; the API still answers",
    );

  const actorOf = (initData: string | undefined): Actor => {
    const identity = verifyInitData(initData, options.botToken, { nowMs: now() });
    const role = workloads.accessOf(identity.userId);
    if (!role)
      throw new Refusal(
        "not-allowed",
        `You do not have access to this voxnix. Your Telegram id is ${identity.userId}: ask in the chat.`,
      );
    return { userId: identity.userId, role, via: "telegram" };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    setSecurityHeaders(response);
    const url = new URL(request.url ?? "/", "http://voxnix.invalid");
    const asset = request.method === "GET" ? assets.get(url.pathname) : undefined;
    if (asset?.body) {
      response.writeHead(200, { "Content-Type": asset.type, "Cache-Control": "no-cache" });
      response.end(asset.body);
      return;
    }
    if (asset) return send(response, 503, { error: "The page is not built (npm run build)." });
    if (!url.pathname.startsWith("/api/")) return send(response, 404, { error: "Not found." });
    const header = request.headers.authorization;
    const actor = actorOf(header?.startsWith("tma ") ? header.slice(4) : undefined);
    send(response, 200, await route(workloads, actor, request.method ?? "GET", url));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const [status, body] = failure(error, log);
      if (!response.headersSent) send(response, status, body);
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sessions = new Set<{ end(reason: string): void }>();
  server.on("upgrade", (request, socket, head) => {
    const path = new URL(request.url ?? "/", "http://voxnix.invalid").pathname;
    // A page elsewhere may open a socket here; it could not sign initData, but it is refused first.
    if (path !== "/api/terminal" || !origins.has(request.headers.origin ?? "")) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const timer = setTimeout(() => ws.close(CLOSE.refused, "no open message"), OPEN_WITHIN_MS);
      ws.once("message", (raw: Buffer) => {
        clearTimeout(timer);
        openTerminal(ws, raw.toString("utf8")).catch((error: unknown) => {
          const [, body] = failure(error, log);
          if (ws.readyState === ws.OPEN) {
            ws.send(JSON.stringify({ type: "closed", reason: body.error }));
            ws.close(CLOSE.refused, "refused");
          }
        });
      });
    });
  });

  /** The first message names the terminal: `{ type: "open", initData, name, cols, rows, asAdmin }`. */
  const openTerminal = async (ws: WebSocket, raw: string) => {
    const open = parseJson(raw) as Partial<Record<string, unknown>> | null;
    if (open?.type !== "open")
      throw new Refusal("invalid-input", "The terminal was not asked for.");
    const actor = actorOf(typeof open.initData === "string" ? open.initData : undefined);
    const grant = workloads.openTerminal(actor, {
      name: String(open.name),
      asAdmin: open.asAdmin === true,
    });
    const size = {
      cols: isSize(open.cols, 500) ? open.cols : 80,
      rows: isSize(open.rows, 200) ? open.rows : 24,
    };
    const terminal = await grant.open(size);
    log.info({ user: actor.userId, container: grant.name }, "terminal opened");
    if (ws.readyState !== ws.OPEN) return terminal.kill();
    const session = joinTerminal({ socket: ws, grant, terminal, limits, log, now });
    sessions.add(session);
    ws.on("close", () => sessions.delete(session));
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  origins.add(`http://${host}:${port}`);
  log.info({ address: `${host}:${port}`, url: options.publicUrl }, "web app listening");
  return {
    address: `http://${host}:${port}`,
    async close() {
      for (const session of sessions) session.end("voxnix is stopping.");
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The API: each path is one workloads call for the actor. */
async function route(workloads: Workloads, actor: Actor, method: string, url: URL) {
  const path = url.pathname;
  if (method === "GET" && path === "/api/me")
    return { userId: actor.userId, role: actor.role, containers: await workloads.list(actor) };
  if (method === "GET" && path === "/api/usage") {
    const usage = await workloads.usage(actor);
    return {
      usedBytes: usage.usedBytes,
      quotaBytes: usage.quotaBytes ?? null,
      cpuHistory: usage.cpuHistory,
      samples: workloads.usageSeries(actor),
    };
  }
  const match = /^\/api\/containers\/([^/]+)\/(snapshots|start|stop|restart)$/.exec(path);
  if (match) {
    const name = decodeName(match[1] as string);
    const what = match[2] as "snapshots" | "start" | "stop" | "restart";
    if (method === "GET" && what === "snapshots")
      return { snapshots: await workloads.snapshots(actor, { name }) };
    if (method === "POST" && what !== "snapshots") return await workloads[what](actor, { name });
  }
  throw new Refusal("not-found", "Not found.");
}

/** A failure as a status and a body a person may read: never a stack, a token or initData. */
function failure(error: unknown, log: Logger): [number, { error: string }] {
  if (error instanceof InitDataRejected) {
    log.info({ problem: error.problem }, "web request refused: initData");
    return [401, { error: error.userMessage }];
  }
  if (error instanceof Refusal) return [STATUS[error.reason], { error: error.userMessage }];
  const ref = randomBytes(4).toString("hex");
  log.error({ err: error, ref }, "web request failed");
  const message = isVoxnixError(error) ? error.userMessage : "Something went wrong.";
  return [500, { error: `${message} (ref ${ref})` }];
}

/** A path's container name; a malformed escape is a name no container has (workloads refuses). */
function decodeName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A file of the built page, or undefined where there is none (running from src/). */
function readAsset(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
  });
  response.end(JSON.stringify(body));
}
