import type { Actor } from "./actor.js";
import type { NoticeButton } from "../../store/index.js";
import type { WorkloadDeps } from "./deps.js";

/**
 * What voxnix tells people unasked, beside the outcome of their own requests: a container that
 * stopped on its own or keeps being restarted, an admin's action on their container, a quota nearly full, trash about
 * to be purged. Each goes through the notices outbox (the daemon delivers it, whichever process
 * noticed); a muted user (/notify off) is told none of them.
 */
export type NotificationKind =
  "crashed" | "restarting" | "admin-action" | "quota" | "trash-expiring" | "idle";

export function notify(
  deps: WorkloadDeps,
  notification: {
    readonly userId: number;
    readonly kind: NotificationKind;
    readonly text: string;
    /** Said once for this key (a trash id, a quota mark) until `forget`; else every time. */
    readonly once?: string;
    /** Buttons under it, as callback data the bot answers. */
    readonly buttons?: readonly NoticeButton[];
  },
): boolean {
  const { notifications, notices } = deps.store;
  return deps.store.transaction(() => {
    if (notifications.isMuted(notification.userId)) return false;
    if (
      notification.once !== undefined &&
      !notifications.claim(notification.userId, notification.kind, notification.once)
    )
      return false;
    notices.add({
      userId: notification.userId,
      text: notification.text,
      ...(notification.buttons ? { buttons: notification.buttons } : {}),
    });
    return true;
  });
}

/**
 * Tells a container's owner what someone else (an admin) did to it: they would otherwise find
 * it stopped, or gone, without knowing why.
 */
export function tellOwner(
  deps: WorkloadDeps,
  actor: Actor,
  ownerId: number,
  text: (who: string) => string,
) {
  if (ownerId === actor.userId || actor.via === "system") return;
  notify(deps, {
    userId: ownerId,
    kind: "admin-action",
    text: text(`An admin (user ${actor.userId})`),
  });
}
