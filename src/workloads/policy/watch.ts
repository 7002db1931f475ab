import { formatSize } from "../../size.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { notify } from "../primitives/notify.js";

/** A quota this full is told about once; it is told again after it fell below REARM_AT. */
export const QUOTA_WARN_AT = 0.9;
const REARM_AT = 0.8;
/** How long before its purge a trash entry's owner is told. */
export const TRASH_WARN_MS = 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/**
 * What maintenance looks at over time, beside reconcile: storage quotas nearly full and trash
 * entries about to be purged. Each is told once per occasion (store/notifications.ts), so a
 * pass every few minutes repeats nothing. Returns what it told, for the log.
 */
export async function watch(deps: WorkloadDeps): Promise<string[]> {
  const told: string[] = [];
  const spaces = await deps.host.storage.scan();
  for (const [userId, space] of spaces) {
    if (!space.quotaBytes) continue;
    const share = space.usedBytes / space.quotaBytes;
    if (share < REARM_AT) deps.store.notifications.forget(userId, "quota", "90");
    if (
      share >= QUOTA_WARN_AT &&
      notify(deps, {
        userId,
        kind: "quota",
        once: "90",
        text: `⚠️ Your storage is ${Math.floor(share * 100)} % full (${formatSize(space.usedBytes)} of ${formatSize(space.quotaBytes)}). Trashed workspaces count too: /usage shows what uses it.`,
      })
    )
      told.push(`quota of ${userId} at ${Math.floor(share * 100)} %`);
  }
  const purgeAt = (trashedAtMs: number) => trashedAtMs + deps.limits.trashDays * DAY_MS;
  for (const entry of deps.store.trash.listAll()) {
    const left = purgeAt(entry.trashedAtMs) - deps.now();
    if (left > TRASH_WARN_MS || left <= 0) continue;
    if (
      notify(deps, {
        userId: entry.ownerId,
        kind: "trash-expiring",
        once: entry.id,
        text: `🗑 The workspace of ${entry.containerName} (${entry.id}) will be deleted for good within a day. /restore ${entry.id} brings it back.`,
      })
    )
      told.push(`trash ${entry.id} of ${entry.ownerId} expires soon`);
  }
  return told;
}
