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
    async drain(timeoutMs: number): Promise<number> {
      const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([Promise.allSettled([...running]), timeout]);
      return running.size;
    },
    get size() {
      return running.size;
    },
  };
}

export type BackgroundTasks = ReturnType<typeof createBackgroundTasks>;
