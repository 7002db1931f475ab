import type { Container } from "../primitives/records.js";
import { within } from "../../within.js";
import { isAdmin, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { summarize, type ContainerSummary } from "../primitives/container-summary.js";
import { Refusal } from "../primitives/refusal.js";

/**
 * How long a listing waits for the host. machinectl and zfs answer in milliseconds on a healthy
 * host; past this, the user (or the agent's prompt) gets the registry's view rather than a wait.
 */
const LIST_HOST_DEADLINE_MS = 3_000;
/** What a listing with states that are not live says, wherever it is shown. */
export const STALE_NOTE = "The host did not answer in time: these states are the last known.";

/**
 * The actor's containers (or, with `all`, everyone's: admins only), joined with one
 * `machinectl list` call and one storage scan, however many containers there are. A host that
 * fails or hangs does not fail the listing: it answers from the registry, marked not live.
 */
export async function listContainers(
  deps: WorkloadDeps,
  actor: Actor,
  options: { all?: boolean } = {},
): Promise<ContainerSummary[]> {
  if (options.all && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can list everyone's containers.");
  const records = options.all
    ? deps.store.containers.listAll()
    : deps.store.containers.listByOwner(actor.userId);
  if (records.length === 0) return [];
  const view = await hostView(deps);
  return records.map((record) =>
    view
      ? summarize(
          record,
          view.running.get(record.name)?.addresses[0],
          view.running.has(record.name),
          view.spaces.get(record.ownerId)?.workspaces.get(record.name),
        )
      : lastKnown(record),
  );
}

/** What the host says is running and how much space each workspace uses, if it says so in time. */
async function hostView(deps: WorkloadDeps) {
  const asked = Promise.all([deps.host.machines.listRunning(), deps.host.storage.scan()]);
  try {
    const view = await within(asked, LIST_HOST_DEADLINE_MS);
    if (view) return { running: view[0], spaces: view[1] };
    // The runner's own timeout still ends the commands; only their outcome is no longer awaited.
    deps.log.warn(
      { deadlineMs: LIST_HOST_DEADLINE_MS },
      "host too slow; listing last known states",
    );
  } catch (error) {
    deps.log.warn({ err: error }, "host query failed; listing last known states");
  }
  return undefined;
}

/** A summary from the registry alone. */
function lastKnown(record: Container): ContainerSummary {
  return { ...summarize(record, undefined, record.state === "running", undefined), live: false };
}
