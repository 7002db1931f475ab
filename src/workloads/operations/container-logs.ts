import { authorize, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { parseOrRefuse } from "../primitives/refusal.js";
import { containerName } from "../primitives/spec.js";
import { z } from "zod";

export const MAX_LOG_LINES = 200;

const LogsInput = z.object({
  name: containerName,
  lines: z
    .number()
    .int()
    .min(1, "lines must be at least 1")
    .max(MAX_LOG_LINES, `at most ${MAX_LOG_LINES} lines`)
    .default(50),
});

/** The container's journal while it runs, else its host unit's (which says why it stopped). */
export async function containerLogs(
  deps: WorkloadDeps,
  actor: Actor,
  input: z.input<typeof LogsInput>,
) {
  const { name, lines } = parseOrRefuse(LogsInput, input);
  authorize(actor, name, deps.store.containers.find(name));
  return { name, ...(await deps.host.journal.containerLogs(name, lines)) };
}
