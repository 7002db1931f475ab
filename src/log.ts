import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { pino, type DestinationStream, type Logger } from "pino";
import PinoPretty from "pino-pretty";
import type { LogLevel } from "./config.js";
import { SECRET_MASK } from "./secret.js";

export type { Logger } from "pino";

/** Field names whose values are masked wherever they appear (up to three levels deep). */
const SENSITIVE_KEYS = [
  "token",
  "botToken",
  "key",
  "apiKey",
  "authKey",
  "authorization",
  "password",
  "secret",
];
const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Shorter values would mask ordinary text (a "1" in every number); real secrets are long. */
const MIN_REDACTED_LENGTH = 6;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Values masked in every line, whatever field, message or stack they hide in. */
  readonly secrets?: readonly string[];
  /** Human-readable lines (a terminal) rather than JSON (journald). */
  readonly pretty?: boolean;
  /** Where lines go; stdout when omitted. */
  readonly destination?: DestinationStream;
}

/**
 * The daemon's root logger: pino JSON to stdout, one object per line, for journald.
 *
 * Two layers keep secrets out: field-name redaction for structured data (`{ token }`), and a
 * last pass over each finished line that masks every configured secret value, so a token inside
 * an error message, a stack or a URL is caught too. Lines carry the current operation id
 * (see {@link withOperation}) so one request can be followed through every component.
 */
export function createLogger(options: LoggerOptions): Logger {
  const maskSecrets = secretMasker(options.secrets ?? []);
  const destination =
    options.destination ??
    (options.pretty
      ? PinoPretty({ colorize: true, sync: true, translateTime: "SYS:HH:MM:ss.l" })
      : undefined);
  const pinoOptions = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: SECRET_MASK },
    mixin: () => {
      const op = operations.getStore();
      return op === undefined ? {} : { op };
    },
    hooks: { streamWrite: maskSecrets },
  };
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}

function secretMasker(secrets: readonly string[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_REDACTED_LENGTH) continue;
    // The raw value, as JSON escapes it inside a string, and as it appears inside a URL.
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  if (forms.size === 0) return (line) => line;
  // Longest first, so a form that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (line) => ordered.reduce((text, form) => text.replaceAll(form, SECRET_MASK), line);
}

// ---------------------------------------------------------------------------------------------
// Operation ids: one per request (a Telegram update, an admin CLI verb), carried implicitly
// through every await so that host commands, store writes and replies log under the same id.

const operations = new AsyncLocalStorage<string>();

/**
 * A short random id, readable enough to quote in a chat reply ("ref 7f3a9c2e"). A UUID's first
 * eight hex digits are random; Node draws UUIDs from a batch of entropy, where randomBytes(4)
 * asks the system for four bytes every time (8 µs against 0.5 µs, for every update).
 */
export function newOperationId(): string {
  return randomUUID().slice(0, 8);
}

/** Runs `fn` with `operationId` attached to every log line written while it runs. */
export function withOperation<T>(fn: () => T, operationId: string = newOperationId()): T {
  return operations.run(operationId, fn);
}

/** The id of the operation running now, if any. */
export function currentOperationId(): string | undefined {
  return operations.getStore();
}
