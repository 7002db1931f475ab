import type { Logger } from "../../log.js";

/**
 * What a multi-step operation has made so far, to be undone in reverse if a later step fails.
 * An undo step that fails is logged and the rest still run: rollback does as much as it can.
 */
export function createUndo(log: Logger) {
  const steps: { label: string; undo: () => Promise<unknown> | unknown }[] = [];
  return {
    push(label: string, undo: () => Promise<unknown> | unknown) {
      steps.push({ label, undo });
    },
    /** Runs every recorded undo, newest first; returns the labels of those that failed. */
    async rollback(): Promise<string[]> {
      const failed: string[] = [];
      for (const step of steps.reverse()) {
        try {
          await step.undo();
        } catch (error) {
          failed.push(step.label);
          log.error({ err: error, step: step.label }, "rollback step failed");
        }
      }
      steps.length = 0;
      return failed;
    },
  };
}
