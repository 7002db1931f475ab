import { z } from "zod";
import { isAdmin, SYSTEM_ACTOR, type Actor } from "./actor.js";
import { auditTrail, failureOf } from "./audit.js";
import type { WorkloadDeps } from "./deps.js";
import { beginOperation } from "./lease.js";
import { admitContainer, planContainer, type Admission } from "./provision.js";
import { parseOrRefuse, Refusal } from "./refusal.js";
import { containerName, IMPLICIT_MODULES, type ContainerSpec } from "./spec.js";
import { assertRangeFree } from "./uid-ranges.js";

export interface TrashEntry {
  readonly id: string;
  readonly ownerId: number;
  readonly containerName: string;
  readonly modules: readonly string[];
  readonly trashedAtMs: number;
  /** When it will be purged. */
  readonly expiresAtMs: number;
}

const DAY_MS = 24 * 60 * 60_000;

/** The actor's trashed workspaces (everyone's with `all`, admins only), newest first. */
export function listTrash(
  deps: WorkloadDeps,
  actor: Actor,
  options: { all?: boolean } = {},
): TrashEntry[] {
  if (options.all && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can list everyone's trash.");
  const records = options.all
    ? deps.store.trash.listAll()
    : deps.store.trash.listByOwner(actor.userId);
  return records.map((r) => ({
    id: r.id,
    ownerId: r.ownerId,
    containerName: r.containerName,
    modules: r.spec.modules,
    trashedAtMs: r.trashedAtMs,
    expiresAtMs: r.trashedAtMs + deps.limits.trashDays * DAY_MS,
  }));
}

const RestoreInput = z.object({
  id: z.string().min(1, "which trash entry? /trash lists them"),
  /** The new container's name; the one it had when it was destroyed, unless told. */
  name: containerName.optional(),
  modules: z.array(z.string()).optional(),
});

/**
 * Admits bringing a trashed workspace back as the /workspace of a new container (same modules
 * unless others are given), for its owner. All of create's checks and rollback apply; the trash
 * entry is leased with the name.
 */
export function admitRestore(
  deps: WorkloadDeps,
  actor: Actor,
  input: z.input<typeof RestoreInput>,
): Admission {
  const { spec, record } = planRestore(deps, actor, input);
  return admitContainer(deps, actor, spec, { fromTrash: record });
}

/** The container a restore would make, checked: the trash entry is the actor's, the spec valid. */
function planRestore(deps: WorkloadDeps, actor: Actor, input: z.input<typeof RestoreInput>) {
  const request = parseOrRefuse(RestoreInput, input);
  const record = deps.store.trash.find(request.id);
  if (!record || (record.ownerId !== actor.userId && !isAdmin(actor))) {
    throw new Refusal(
      "not-found",
      `There is nothing in your trash with id "${request.id}". /trash lists it.`,
    );
  }
  const previous = record.spec.modules;
  const modules =
    request.modules ?? previous.filter((m) => !(IMPLICIT_MODULES as readonly string[]).includes(m));
  const planned = planContainer(deps, actor, {
    name: request.name ?? record.containerName,
    modules,
    owner: record.ownerId,
  });
  // What the container was comes back with it, not rebuilt from parts: the range its workspace
  // is owned by (none, from before user namespaces); its fork lineage (a rollback to a snapshot
  // from before the fork gives the source's users' files to this range, and only the mark says
  // to); its limits while they still fit the host's maxima.
  const kept = record.spec.limits;
  const fits = kept.cpus <= deps.limits.maxCpus && kept.memoryBytes <= deps.limits.maxMemoryBytes;
  const spec: ContainerSpec = {
    ...planned,
    ...(fits ? { limits: kept } : {}),
    privateUsers: record.spec.privateUsers ?? null,
    ...(record.spec.forked ? { forked: true as const } : {}),
  };
  // Checked here to refuse early, and again where the name is claimed (provision.ts).
  assertRangeFree(deps, spec.privateUsers?.base, request.id);
  return { spec, record };
}

export interface PurgeResult {
  readonly purged: readonly string[];
  /** Entries the host would not delete this time, with why; the next purge tries again. */
  readonly failed: readonly string[];
}

/**
 * Deletes trashed workspaces older than VOXNIX_TRASH_DAYS (all of them with `everything`, admins
 * only). Runs on a timer and on demand. An entry that another operation holds (a restore under
 * way) is skipped; one the host refuses is listed in `failed` and the rest go on, so one busy
 * dataset never keeps every later entry, and the quota they use, forever.
 */
export async function purgeTrash(
  deps: WorkloadDeps,
  actor: Actor = SYSTEM_ACTOR,
  options: { everything?: boolean } = {},
): Promise<PurgeResult> {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can purge the trash.");
  const cutoff = options.everything
    ? Number.POSITIVE_INFINITY
    : deps.now() - deps.limits.trashDays * DAY_MS;
  const purged: string[] = [];
  const failed: string[] = [];
  const audit = (id: string) => auditTrail(deps, { actor, action: "purge-trash", target: id });
  for (const record of deps.store.trash.olderThan(cutoff)) {
    let lease;
    try {
      lease = beginOperation(deps, {
        kind: "purge",
        trashId: record.id,
        ownerId: record.ownerId,
        actor,
      });
    } catch (error) {
      if (error instanceof Refusal) continue;
      throw error;
    }
    try {
      await deps.host.storage.purgeTrash(record.ownerId, record.id);
    } catch (error) {
      lease.end();
      const problem = `trash ${record.id}: could not purge: ${(error as Error).message}`;
      failed.push(problem);
      audit(record.id)("failed", { owner: record.ownerId, ...failureOf(error) });
      deps.log.warn({ err: error, trash: record.id }, "trash purge failed; next purge retries");
      continue;
    }
    deps.store.transaction(() => {
      deps.store.trash.remove(record.id);
      lease.end();
    });
    audit(record.id)("ok", { owner: record.ownerId });
    purged.push(record.id);
  }
  return { purged, failed };
}
