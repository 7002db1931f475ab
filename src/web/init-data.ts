import { createHmac, timingSafeEqual } from "node:crypto";
import { VoxnixError } from "../errors.js";
import type { Secret } from "../secret.js";

/** How old a Mini App's initData may be: past it, the page must be opened from the chat again. */
export const INIT_DATA_MAX_AGE_MS = 60 * 60_000;
/** Clocks differ: an auth_date this far ahead of ours is still accepted. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Who opened the page, as Telegram signed it. */
export interface WebIdentity {
  readonly userId: number;
  readonly firstName: string | undefined;
  readonly authDateMs: number;
}

export type InitDataProblem = "missing" | "malformed" | "bad-signature" | "stale" | "no-user";

/** initData that does not prove who opened the page; `message` names the problem, never the data. */
export class InitDataRejected extends VoxnixError {
  readonly userMessage = "This page could not tell who you are: open it again from the chat.";

  constructor(readonly problem: InitDataProblem) {
    super(`Mini App initData refused: ${problem}`);
  }
}

/**
 * The user a Mini App's `initData` (the query string Telegram hands the page) was signed for,
 * checked as Telegram documents it (core.telegram.org/bots/webapps, "Validating data received
 * via the Mini App"): every field but `hash`, sorted by key, as `key=value` lines joined by
 * "\n", signed with HMAC-SHA256 under the key HMAC-SHA256("WebAppData", bot token); and an
 * `auth_date` no older than `maxAgeMs`. The comparison takes the same time whatever matches.
 *
 * @throws InitDataRejected for anything else: absent, duplicated or extra `hash`, a signature by
 *   another token, a stale or future `auth_date`, no `user`.
 */
export function verifyInitData(
  initData: string | undefined,
  botToken: Secret,
  options: { nowMs: number; maxAgeMs?: number },
): WebIdentity {
  if (!initData) throw new InitDataRejected("missing");
  const params = new URLSearchParams(initData);
  const keys = [...params.keys()];
  // A repeated key would be read one way here and perhaps another by whoever signed it.
  if (new Set(keys).size !== keys.length) throw new InitDataRejected("malformed");
  const hash = params.get("hash");
  if (hash === null || !/^[0-9a-f]{64}$/.test(hash)) throw new InitDataRejected("malformed");
  const checkString = [...params]
    .filter(([key]) => key !== "hash")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  if (!timingSafeEqual(Buffer.from(hash, "hex"), signInitData(checkString, botToken)))
    throw new InitDataRejected("bad-signature");

  const authDate = params.get("auth_date");
  if (authDate === null || !/^\d{1,12}$/.test(authDate)) throw new InitDataRejected("malformed");
  const authDateMs = Number(authDate) * 1000;
  const age = options.nowMs - authDateMs;
  if (age > (options.maxAgeMs ?? INIT_DATA_MAX_AGE_MS) || age < -CLOCK_SKEW_MS)
    throw new InitDataRejected("stale");

  let user: unknown;
  try {
    user = JSON.parse(params.get("user") ?? "null");
  } catch {
    throw new InitDataRejected("malformed");
  }
  const id = (user as { id?: unknown } | null)?.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0)
    throw new InitDataRejected("no-user");
  const firstName = (user as { first_name?: unknown }).first_name;
  return {
    userId: id,
    firstName: typeof firstName === "string" ? firstName : undefined,
    authDateMs,
  };
}

/** The HMAC Telegram puts in `hash` for a data-check-string (raw bytes). */
export function signInitData(checkString: string, botToken: Secret): Buffer {
  const key = createHmac("sha256", "WebAppData").update(botToken.reveal()).digest();
  return createHmac("sha256", key).update(checkString).digest();
}
