import type { WebSocket } from "ws";
import type { Logger } from "../log.js";
import type { ContainerTerminal, TerminalGrant } from "../workloads/index.js";

/** How a terminal session is bounded; each has a default (`TERMINAL_LIMITS`). */
export interface TerminalLimits {
  /** No input for this long ends the session. */
  readonly idleMs: number;
  /** How often the session asks workloads whether it may go on (access, ownership, running). */
  readonly checkEveryMs: number;
  /** Output waiting for a slow socket past this many bytes pauses the shell until it drains. */
  readonly maxBufferedBytes: number;
}

export const TERMINAL_LIMITS: TerminalLimits = {
  idleMs: 30 * 60_000,
  checkEveryMs: 10_000,
  maxBufferedBytes: 1024 * 1024,
};

/** Typing counts as use for the idle policy at most this often (a store write each time). */
const USE_EVERY_MS = 60_000;

/** Close codes the page explains (4000–4999 are the application's, RFC 6455 7.4.2). */
export const CLOSE = { refused: 4001, idle: 4002, ended: 4003, exited: 4004 } as const;

/** A message from the page: keystrokes, or the terminal's new size. */
type ClientMessage =
  { type: "input"; data: string } | { type: "resize"; cols: number; rows: number };

export function parseClientMessage(raw: string): ClientMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const m = message as Partial<Record<string, unknown>> | null;
  if (m?.type === "input" && typeof m.data === "string") return { type: "input", data: m.data };
  if (m?.type === "resize" && isSize(m.cols, 500) && isSize(m.rows, 200))
    return { type: "resize", cols: m.cols, rows: m.rows };
  return undefined;
}

export const isSize = (value: unknown, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;

/**
 * Joins a page's socket to a container's shell until either ends: output to the page, keys and
 * resizes to the shell. Ends it (and says why) when its holder stops typing for `idleMs`, or
 * when workloads no longer allows it: access revoked, the container stopped or given away. The
 * shell is hung up whenever the socket closes.
 */
export function joinTerminal(options: {
  socket: WebSocket;
  grant: TerminalGrant;
  terminal: ContainerTerminal;
  limits: TerminalLimits;
  log: Logger;
  now: () => number;
}): { end(reason: string): void } {
  const { socket, grant, terminal, limits, log, now } = options;
  let lastInputAtMs = now();
  let lastUseAtMs = now();
  let paused = false;
  let ended = false;

  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(check);
    clearInterval(drain);
    terminal.kill();
    if (socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: "closed", reason }));
      socket.close(code, reason.slice(0, 120));
    }
    log.info({ container: grant.name, reason }, "terminal ended");
  };

  terminal.onData((data) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ type: "output", data }));
    if (!paused && socket.bufferedAmount > limits.maxBufferedBytes) {
      paused = true;
      terminal.pause();
    }
  });
  terminal.onExit(() => end(CLOSE.exited, "The shell ended."));
  const drain = setInterval(() => {
    if (paused && socket.bufferedAmount <= limits.maxBufferedBytes / 2) {
      paused = false;
      terminal.resume();
    }
  }, 50);
  const check = setInterval(() => {
    if (!grant.stillAllowed())
      end(CLOSE.ended, "The container stopped, or your access to it ended.");
    else if (now() - lastInputAtMs > limits.idleMs)
      end(CLOSE.idle, "Closed after a while without typing.");
  }, limits.checkEveryMs);

  socket.on("message", (raw: Buffer) => {
    const message = parseClientMessage(raw.toString("utf8"));
    if (message?.type === "input") {
      terminal.write(message.data);
      lastInputAtMs = now();
      if (lastInputAtMs - lastUseAtMs >= USE_EVERY_MS) {
        lastUseAtMs = lastInputAtMs;
        grant.used();
      }
    } else if (message?.type === "resize") terminal.resize(message.cols, message.rows);
  });
  socket.on("close", () => end(CLOSE.ended, "The page closed."));
  socket.send(JSON.stringify({ type: "ready", name: grant.name }));
  return { end: (reason) => end(CLOSE.ended, reason) };
}
