import type { Logger } from "./log.js";
import { SYSTEM_ACTOR, type NoticeRecord, type Workloads } from "./workloads/index.js";

const MINUTE_MS = 60_000;

/** How maintenance reaches people; the daemon builds it over the Bot API (bot/notifier.ts). */
export interface Notifier {
  /** Tells every admin about something on the host that needs them. */
  tellAdmins(text: string): Promise<void>;
  /**
   * Turns a notice's progress message into the outcome and tells its user. Resolves false when
   * Telegram could not be reached, so the notice is kept for the next try.
   */
  deliver(notice: NoticeRecord): Promise<boolean>;
}

export interface MaintenanceOptions {
  readonly notifier?: Notifier;
  /** Between reconcile passes when the last one was clean (default 5 minutes). */
  readonly reconcileEveryMs?: number;
  /** After a failed pass: the first retry, doubled each time up to `reconcileEveryMs` (default 30 s). */
  readonly retryFirstMs?: number;
  /** Between deliveries of the notices outbox, which other processes fill too (default 15 s). */
  readonly deliverEveryMs?: number;
  /** Between trash purges (default an hour). */
  readonly purgeEveryMs?: number;
}

export interface Maintenance {
  /** Resolves once the first reconcile pass has ended (tests and `doctor` output wait on it). */
  readonly firstPass: Promise<void>;
  /** Cancels the timers and waits for the pass or purge under way. */
  stop(): Promise<void>;
}

/**
 * The daemon's housekeeping, none of which serving waits for and none of which can take the
 * daemon down: reconcile now and every few minutes (sooner, with backoff, after a failure),
 * delivering the notices that repairs leave and telling the admins once about each failure or
 * difference; a trash purge now and every hour, with expired confirmations and old chat
 * history forgotten. Everything is logged; a failure is retried.
 */
export function startMaintenance(
  workloads: Workloads,
  log: Logger,
  options: MaintenanceOptions = {},
): Maintenance {
  const reconcileEveryMs = options.reconcileEveryMs ?? 5 * MINUTE_MS;
  const retryFirstMs = options.retryFirstMs ?? 30_000;
  const told = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const underWay = new Set<Promise<void>>();
  let stopped = false;
  let failedPasses = 0;

  const track = (work: () => Promise<void>, label: string) => {
    const promise = work()
      .catch((error: unknown) =>
        log.error({ err: error, task: label }, `${label} failed; retrying`),
      )
      .finally(() => underWay.delete(promise));
    underWay.add(promise);
    return promise;
  };
  const after = (ms: number, fn: () => void) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const tellAdminsOnce = async (line: string) => {
    if (told.has(line) || !options.notifier) return;
    told.add(line);
    await options.notifier.tellAdmins(line);
  };

  let delivering: Promise<void> | undefined;
  const deliver = () =>
    (delivering ??= track(async () => {
      const notifier = options.notifier;
      if (!notifier) return;
      for (const notice of workloads.notices.pending()) {
        if (stopped) return;
        if (!workloads.notices.take(notice.id)) continue; // a console is showing it
        if (await notifier.deliver(notice)) workloads.notices.delivered(notice.id);
        else {
          workloads.notices.giveBack(notice.id);
          return; // Telegram is unreachable: the rest wait for the next round
        }
      }
    }, "notice delivery").finally(() => (delivering = undefined)));

  const backoff = () => Math.min(reconcileEveryMs, retryFirstMs * 2 ** failedPasses++);
  const reconcilePass = async () => {
    let next = reconcileEveryMs;
    try {
      const report = await workloads.reconcile();
      for (const line of report.repaired) log.info({ repaired: line }, "reconciled");
      for (const line of report.inProgress) log.info({ inProgress: line }, "left to its holder");
      for (const line of report.reported) log.warn({ attention: line }, "registry and host differ");
      for (const line of report.updated)
        log.info({ updated: line }, "host files brought up to date");
      for (const line of report.failed)
        log.error({ failed: line }, "reconcile step failed; retrying");
      if (report.failed.length > 0) next = backoff();
      else failedPasses = 0;
      for (const line of [...report.failed, ...report.reported, ...report.updated])
        await tellAdminsOnce(line);
      // Quotas nearly full, trash about to go: told to their owners, once each.
      const told = await workloads.watch().catch((error: unknown) => {
        log.warn({ err: error }, "could not look at quotas and trash; retrying later");
        return [];
      });
      for (const line of told) log.info({ told: line }, "told a user");
      const idle = await workloads.idlePass().catch((error: unknown) => {
        log.warn({ err: error }, "idle policy pass failed; retrying later");
        return [];
      });
      for (const line of idle) log.info({ idle: line }, "idle policy");
      if (told.length + idle.length > 0) void deliver();
    } catch (error) {
      next = backoff();
      log.error({ err: error }, "reconcile failed; retrying");
      await tellAdminsOnce(`reconcile could not run: ${(error as Error).message}`);
    } finally {
      after(next, () => void track(reconcilePass, "reconcile"));
    }
    await deliver();
  };
  const firstPass = track(reconcilePass, "reconcile");

  const purge = async () => {
    try {
      const { purged, failed } = await workloads.purgeTrash(SYSTEM_ACTOR);
      if (purged.length > 0) log.info({ purged }, "purged old trash");
      const forgotten = workloads.forgetExpired();
      if (forgotten.pendingActions + forgotten.historyMessages + forgotten.usageSamples > 0)
        log.info(forgotten, "forgot expired confirmations, old chat history and usage samples");
      for (const line of failed) await tellAdminsOnce(line);
    } finally {
      after(options.purgeEveryMs ?? 60 * MINUTE_MS, () => void track(purge, "trash purge"));
    }
  };
  // Old trash can wait; serving should not.
  void track(purge, "trash purge");

  const deliverEveryMs = options.deliverEveryMs ?? 15_000;
  const poll = () =>
    after(deliverEveryMs, () => {
      void deliver();
      poll();
    });
  poll();

  return {
    firstPass,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...underWay]);
    },
  };
}
