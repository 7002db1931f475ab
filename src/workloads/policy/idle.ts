import { formatDuration } from "../../duration.js";
import type { UserSpace } from "../../host/index.js";
import { authorize, SYSTEM_ACTOR, type Actor } from "../primitives/actor.js";
import { auditTrail } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { notify } from "../primitives/notify.js";
import { destroyContainer } from "../operations/destroy-container.js";
import { stopContainer } from "../operations/power.js";
import { Refusal } from "../primitives/refusal.js";
import { watchRestarts } from "./restart-loop.js";
import { recordUsage } from "../primitives/usage-history.js";

/** CPU use below this share of one CPU, averaged since the last look, is idling. */
export const IDLE_CPU_SHARE = 0.02;

/**
 * The idle policy, one pass (maintenance runs it every few minutes). A running container is
 * active when, since the last pass, it used more than IDLE_CPU_SHARE of a CPU, its workspace
 * changed size, someone has a session in it (SSH, a terminal), or a keep-alive process runs in
 * it (tmux, an agent's CLI: an agent waiting on a long build uses no CPU and is not idle). All
 * of it is read from the host: systemd's cgroup accounting, the storage scan, the cgroup's
 * processes. A container idle for its idle period (its own, else the host's) is stopped, its
 * owner warned ahead with Keep alive and Stop now; a pinned one never is. Everything the
 * countdown needs is in the store, so a restart keeps it; a container under another operation
 * is left for the next pass. The same look watches for restart loops and keeps usage history.
 */
export async function idlePass(deps: WorkloadDeps): Promise<string[]> {
  const { store, host, limits } = deps;
  const done: string[] = [];
  const running = store.containers
    .listAll()
    .filter((c) => c.state === "running" && !store.operations.forContainer(c.name));
  // One storage scan for every running container; none when nothing runs.
  const spaces: ReadonlyMap<number, UserSpace> =
    running.length > 0 ? await host.storage.scan() : new Map();
  for (const container of running) {
    const before = store.activity.find(container.name);
    const [used, inside] = await Promise.all([
      host.systemd.resources(`container@${container.name}.service`).catch(() => undefined),
      host.processes.look(container.name).catch(() => ({ names: new Set<string>(), sessions: 0 })),
    ]);
    const workspaceBytes = spaces.get(container.ownerId)?.workspaces.get(container.name);
    const now = deps.now();
    store.activity.sample(container.name, { cpuNs: used?.cpuNs, workspaceBytes });
    recordUsage(deps, container, used, workspaceBytes);
    done.push(...watchRestarts(deps, container, used?.restarts));
    if (!before) continue; // first look: counts as active now
    const elapsedNs = Math.max(0, now - before.sampledAtMs) * 1e6;
    const busy =
      (used?.cpuNs !== undefined &&
        before.cpuNs !== undefined &&
        used.cpuNs - before.cpuNs > IDLE_CPU_SHARE * elapsedNs) ||
      (workspaceBytes !== undefined &&
        before.workspaceBytes !== undefined &&
        workspaceBytes !== before.workspaceBytes) ||
      inside.sessions > 0 ||
      limits.keepAliveProcesses.some((name) => inside.names.has(name));
    if (busy) {
      store.activity.active(container.name);
      continue;
    }
    const { stopMs, warnMs } = idlePeriod(deps, before);
    if (before.pinned || stopMs === 0) continue;
    const idleMs = now - before.lastActiveAtMs;
    const stopAt = before.lastActiveAtMs + stopMs;
    if (idleMs >= stopMs) {
      try {
        // Decided on what was read before the host was asked: a Keep alive pressed, a pin or a
        // use recorded since then wins, checked where the stop takes its lease.
        await stopContainer(deps, SYSTEM_ACTOR, { name: container.name }, () => {
          const latest = store.activity.find(container.name);
          return latest && !latest.pinned && latest.lastActiveAtMs === before.lastActiveAtMs
            ? undefined
            : `${container.name} was used or kept alive since the idle pass looked`;
        });
      } catch (error) {
        // Busy (its owner acts on it right now), or the host failed: the next pass tries again.
        deps.log.warn(
          { err: error, container: container.name },
          "could not stop an idle container",
        );
        continue;
      }
      notify(deps, {
        userId: container.ownerId,
        kind: "idle",
        text: `⏸ ${container.name} was stopped after ${formatDuration(idleMs)} without use; its workspace is as it was. /up ${container.name} starts it; /pin ${container.name} keeps it from being stopped.`,
      });
      done.push(`${container.name}: stopped after ${formatDuration(idleMs)} idle`);
    } else if (
      idleMs >= stopMs - warnMs &&
      before.warnedAtMs === undefined &&
      store.activity.claimWarning(container.name)
    ) {
      notify(deps, {
        userId: container.ownerId,
        kind: "idle",
        text: `💤 ${container.name} has not been used for ${formatDuration(idleMs)}; it will be stopped in ${formatDuration(stopAt - now)} unless it is used or kept alive.`,
        buttons: [
          { text: "Keep alive", press: { kind: "keep-alive", name: container.name } },
          { text: "Stop now", press: { kind: "stop", name: container.name } },
        ],
      });
      done.push(`${container.name}: warned after ${formatDuration(idleMs)} idle`);
    }
  }
  return [...done, ...(await trashPass(deps))];
}

/**
 * The other half of the policy: a container goes to its owner's trash (never deleted: the trash
 * keeps it VOXNIX_TRASH_DAYS, and the message that says so has an Undo) when it has been
 * stopped for `stoppedTrashMs`, or when the lifetime asked for at create ends, whichever comes
 * first. Its owner is warned `idleWarnMs` before with Keep, which starts the count again and
 * ends the lifetime. Pinned ones are exempt. "Stopped since" is the row's last change: a
 * stopped container's row changes only when something is done to it.
 */
export async function trashPass(deps: WorkloadDeps): Promise<string[]> {
  const { store, limits } = deps;
  const done: string[] = [];
  for (const container of store.containers.listAll()) {
    const settled = container.state === "stopped" || container.state === "running";
    if (!settled || store.operations.forContainer(container.name)) continue;
    const activity = store.activity.find(container.name);
    if (activity?.pinned) continue;
    const since = Math.max(container.updatedAtMs, activity?.lastActiveAtMs ?? 0);
    const due = [
      ...(container.state === "stopped" && limits.stoppedTrashMs > 0
        ? [
            {
              at: since + limits.stoppedTrashMs,
              why: `was stopped for ${formatDuration(deps.now() - since)}`,
            },
          ]
        : []),
      ...(activity?.expiresAtMs !== undefined
        ? [{ at: activity.expiresAtMs, why: "reached the end of the lifetime it was made with" }]
        : []),
    ].sort((x, y) => x.at - y.at)[0];
    if (!due) continue;
    const left = due.at - deps.now();
    if (left <= 0) {
      let trashId: string | undefined;
      try {
        ({ trashId } = await destroyContainer(deps, SYSTEM_ACTOR, container.name));
      } catch (error) {
        deps.log.warn(
          { err: error, container: container.name },
          "could not move a container to the trash",
        );
        continue;
      }
      notify(deps, {
        userId: container.ownerId,
        kind: "idle",
        text: `🗑 ${container.name} ${due.why}, so it went to your trash${trashId ? ` as ${trashId} for ${limits.trashDays} days` : ""}. Undo brings it back as it was.`,
        ...(trashId ? { buttons: [{ text: "↩️ Undo", press: { kind: "restore", trashId } }] } : {}),
      });
      done.push(`${container.name}: trashed (it ${due.why})`);
    } else if (
      left <= limits.idleWarnMs &&
      (activity?.warnedAtMs === undefined || activity.warnedAtMs < since)
    ) {
      if (!activity)
        store.activity.sample(
          container.name,
          { cpuNs: undefined, workspaceBytes: undefined },
          container.updatedAtMs,
        );
      if (!store.activity.claimWarning(container.name, since)) continue;
      notify(deps, {
        userId: container.ownerId,
        kind: "idle",
        text: `💤 ${container.name} ${due.why}; in ${formatDuration(left)} it goes to your trash (restorable for ${limits.trashDays} days) unless it is kept.`,
        buttons: [{ text: "Keep", press: { kind: "keep-alive", name: container.name } }],
      });
      done.push(`${container.name}: warned (it ${due.why})`);
    }
  }
  return done;
}

/**
 * How long a container may idle before it is stopped (its own period, else the host's; 0 =
 * never), and how long before that its owner is warned: the host's warning time, but never
 * more than half the period, so a short period still idles a while before the warning.
 */
export function idlePeriod(
  deps: WorkloadDeps,
  activity: { readonly idleStopMs: number | undefined } | undefined,
) {
  const stopMs = activity?.idleStopMs ?? deps.limits.idleStopMs;
  return { stopMs, warnMs: Math.min(deps.limits.idleWarnMs, stopMs / 2) };
}

/** Keep alive: the owner (or an admin) restarts the idle countdown of a container. */
export function keepAlive(deps: WorkloadDeps, actor: Actor, name: string) {
  authorize(actor, name, deps.store.containers.find(name));
  if (!deps.store.activity.find(name))
    deps.store.activity.sample(name, { cpuNs: undefined, workspaceBytes: undefined });
  deps.store.activity.active(name);
  deps.store.activity.setExpiry(name, undefined); // kept: the lifetime asked for at create ends
  return { name, idleStopMs: idlePeriod(deps, deps.store.activity.find(name)).stopMs };
}

/** A pinned container is never stopped for being idle. */
export function setPinned(deps: WorkloadDeps, actor: Actor, name: string, pinned: boolean) {
  const container = authorize(actor, name, deps.store.containers.find(name));
  if (container.state === "destroying")
    throw new Refusal("conflict", `"${name}" is being destroyed.`);
  deps.store.activity.setPinned(name, pinned);
  auditTrail(deps, { actor, action: pinned ? "pin" : "unpin", target: name })("ok");
  return { name, pinned };
}

/** The shortest and longest idle period a container may have of its own. */
export const IDLE_PERIOD_RANGE_MS = { min: 60 * 60_000, max: 365 * 24 * 60 * 60_000 } as const;

export interface IdlePolicy {
  readonly name: string;
  readonly pinned: boolean;
  /** How long it may idle before it is stopped; 0 = never. */
  readonly stopMs: number;
  /** Whether that is its own period, not the host's. */
  readonly own: boolean;
  /** While it runs: how long it has been idle. */
  readonly idleForMs: number | undefined;
  /** When it goes to the trash, if a lifetime was asked for at create. */
  readonly expiresAtMs: number | undefined;
}

/** `/idle NAME`: the idle policy as it applies to one container, and where its countdown is. */
export function idlePolicy(deps: WorkloadDeps, actor: Actor, name: string): IdlePolicy {
  const container = authorize(actor, name, deps.store.containers.find(name));
  const activity = deps.store.activity.find(name);
  return {
    name,
    pinned: activity?.pinned ?? false,
    stopMs: idlePeriod(deps, activity).stopMs,
    own: activity?.idleStopMs !== undefined,
    idleForMs:
      container.state === "running" && activity
        ? Math.max(0, deps.now() - activity.lastActiveAtMs)
        : undefined,
    expiresAtMs: activity?.expiresAtMs,
  };
}

/**
 * `/idle NAME 12h|never|default`: a container's own idle period (0 = never stop it), or with
 * undefined the host's again. A warning already given is taken back: the new period starts its
 * own countdown from the last use.
 */
export function setIdlePeriod(
  deps: WorkloadDeps,
  actor: Actor,
  name: string,
  ms: number | undefined,
): IdlePolicy {
  const container = authorize(actor, name, deps.store.containers.find(name));
  if (container.state === "destroying")
    throw new Refusal("conflict", `"${name}" is being destroyed.`);
  const { min, max } = IDLE_PERIOD_RANGE_MS;
  if (ms !== undefined && ms !== 0 && (ms < min || ms > max))
    throw new Refusal(
      "invalid-input",
      `An idle period is between ${formatDuration(min)} and ${formatDuration(max)}, or never.`,
    );
  const audit = auditTrail(deps, { actor, action: "idle-period", target: name });
  deps.store.activity.setIdleStop(name, ms);
  audit("ok", { period: ms === undefined ? "default" : ms === 0 ? "never" : ms });
  return idlePolicy(deps, actor, name);
}
