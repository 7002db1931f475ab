// Mini App initData as a Telegram client hands it to the page, signed with a bot's token.
import { Secret } from "../../src/secret.js";
import { signInitData } from "../../src/web/init-data.js";
import { TEST_SECRETS } from "./secrets.js";

/**
 * initData as Telegram signs it for `userId`, `ageMs` old, with `token` (the suite's bot
 * token unless told): a query string with user, auth_date, query_id and hash.
 */
export function initDataFor(
  userId: number,
  options: { token?: string; ageMs?: number; nowMs?: number } = {},
): string {
  const authDate = Math.floor(((options.nowMs ?? Date.now()) - (options.ageMs ?? 0)) / 1000);
  const fields = new URLSearchParams({
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify({ id: userId, first_name: `User ${userId}`, language_code: "en" }),
    auth_date: String(authDate),
  });
  const checkString = [...fields]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  const token = new Secret(options.token ?? TEST_SECRETS.botToken);
  fields.set("hash", signInitData(checkString, token).toString("hex"));
  return fields.toString();
}

/** The `hash` of initData: a secret of its own (whoever holds it is that user for an hour). */
export const hashOf = (initData: string) => new URLSearchParams(initData).get("hash") as string;
