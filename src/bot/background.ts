import type { Logger } from "../log.js";
import { currentOperationId, withOperation } from "../log.js";

/**
 * Long operations (builds take minutes) run beside the update chain, so one chat's build does
 * not hold up that chat's next message. `drain` lets a graceful stop wait for them; whatever is
 * still running then is left for start-up reconciliation.
 */
export function createBackgroundTasks(log: Logger) {
  const running = new Set<Promise<unknown>>();
  return {
    run(label: string, task: () => Promise<unknown>) {
      const op = currentOperationId();
      const promise = (op ? withOperation(task, op) : task())
        .catch((error: unknown) => log.error({ err: error, task: label }, "background task failed"))
        .finally(() => running.delete(promise));
      running.add(promise);
    },
    /**
     * Counts `work` (an update being handled) as running until it settles, so that a graceful
     * stop waits for it too; returns it unchanged, errors included, for its caller to handle.
     */
    track<T>(work: Promise<T>): Promise<T> {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      return work;
    },
    /**
     * Waits until nothing runs or `timeoutMs` passed; returns how many still run. Work that
     * running work starts meanwhile (an update's create) is waited for as well.
     */
    async drain(timeoutMs: number): Promise<number> {
      let timedOut = false;
      const timeout = new Promise<void>((resolve) =>
        setTimeout(() => {
          timedOut = true;
          resolve();
        }, timeoutMs).unref(),
      );
      while (running.size > 0 && !timedOut)
        await Promise.race([Promise.allSettled([...running]), timeout]);
      return running.size;
    },
    get size() {
      return running.size;
    },
  };
}

export type BackgroundTasks = ReturnType<typeof createBackgroundTasks>;
