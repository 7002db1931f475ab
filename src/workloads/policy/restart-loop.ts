import { formatDuration } from "../../duration.js";
import type { Container } from "../primitives/records.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { notify } from "../primitives/notify.js";

/** This many automatic restarts within the window is a restart loop. */
export const RESTART_LOOP = { restarts: 3, windowMs: 60 * 60_000 } as const;

/**
 * Tells a container's owner, once per window, that systemd keeps restarting it: it still shows
 * as running between the attempts (container@.service has Restart=on-failure), so neither the
 * owner nor reconcile would notice. A reboot from inside restarts it too, hence a threshold
 * rather than every restart. The count is systemd's NRestarts, which a start by hand resets.
 */
export function watchRestarts(
  deps: WorkloadDeps,
  container: Container,
  restarts: number | undefined,
): string[] {
  if (restarts === undefined) return [];
  const { activity, notifications } = deps.store;
  const window = activity.find(container.name)?.restartWindow;
  const now = deps.now();
  const key = (sinceMs: number) => `${container.name}@${sinceMs}`;
  if (!window || restarts < window.count || now - window.sinceMs > RESTART_LOOP.windowMs) {
    if (window) notifications.forget(container.ownerId, "restarting", key(window.sinceMs));
    activity.startRestartWindow(container.name, restarts);
    return [];
  }
  const times = restarts - window.count;
  if (times < RESTART_LOOP.restarts) return [];
  const told = notify(deps, {
    userId: container.ownerId,
    kind: "restarting",
    once: key(window.sinceMs),
    text: `🔁 ${container.name} keeps failing: systemd restarted it ${times} times in the last ${formatDuration(Math.max(now - window.sinceMs, 60_000))}. /logs ${container.name} shows why; /down ${container.name} stops the loop.`,
  });
  return told ? [`${container.name}: restart-looping (${times} restarts)`] : [];
}
