import { formatDuration, parseDuration } from "../duration.js";
import type { IdlePolicy } from "./policy/idle.js";

/**
 * "12h", "3d", "never" or "default", as `/idle NAME …` and `voxnix idle NAME …` take it: a
 * period in ms, 0 for never, undefined for the host's; null when it is none of those.
 */
export function parseIdlePeriod(text: string): { ms: number | undefined } | null {
  const word = text.trim().toLowerCase();
  if (word === "default") return { ms: undefined };
  if (word === "never" || word === "off") return { ms: 0 };
  const ms = parseDuration(word);
  return ms === undefined ? null : { ms };
}

/** "dev is stopped after 7d without use (the host's default); idle for 3h now." */
export function idlePolicyText(policy: IdlePolicy, nowMs: number): string {
  const period = policy.pinned
    ? "is pinned: it is never stopped for being idle"
    : policy.stopMs === 0
      ? `is never stopped for being idle${policy.own ? "" : " (the host's default)"}`
      : `is stopped after ${formatDuration(policy.stopMs)} without use${policy.own ? "" : " (the host's default)"}`;
  const idle =
    policy.idleForMs === undefined
      ? ""
      : policy.idleForMs < 60_000
        ? "; in use now"
        : `; idle for ${formatDuration(policy.idleForMs)}`;
  const lifetime =
    policy.expiresAtMs === undefined
      ? ""
      : ` Its lifetime ends in ${formatDuration(Math.max(0, policy.expiresAtMs - nowMs))}; then it goes to the trash.`;
  return `${policy.name} ${period}${idle}.${lifetime}`;
}
