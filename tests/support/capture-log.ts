import { createLogger, type Logger, type LoggerOptions } from "../../src/log.js";

/** A real logger writing into memory, for asserting on the exact lines it would print. */
export function captureLog(options: Partial<LoggerOptions> = {}): {
  log: Logger;
  lines: () => string[];
  entries: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const log = createLogger({
    level: "trace",
    ...options,
    destination: { write: (line: string) => void chunks.push(line) },
  });
  const lines = () => chunks.join("").split("\n").filter(Boolean);
  return {
    log,
    lines,
    entries: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
