import { z } from "zod";
import { HostCommandError } from "../../host/index.js";
import { isAdmin, SYSTEM_ACTOR, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import { admitContainer, planContainer, type Admission } from "../primitives/provision.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { containerName, IMPLICIT_MODULES, type ContainerSpec } from "../primitives/spec.js";
import { assertRangeFree } from "../primitives/uid-ranges.js";

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
  // Checked as a create's are: the name, the modules (the library may have changed), access.
  const planned = planContainer(deps, actor, {
    name: request.name ?? record.containerName,
    modules,
    owner: record.ownerId,
  });
  // What the container was comes back with it, its record, not a spec rebuilt from parts: the
  // range its workspace is owned by (none, from before user namespaces), its fork lineage, its
  // limits while they still fit the host's maxima, and whatever the spec holds besides; only
  // what follows from its name and modules is new. Its pin, idle period and lifetime are the
  // entry's `kept`, given back where the name is claimed (provision.ts).
  const kept = record.spec.limits;
  const fits = kept.cpus <= deps.limits.maxCpus && kept.memoryBytes <= deps.limits.maxMemoryBytes;
  const spec: ContainerSpec = {
    ...record.spec,
    name: planned.name,
    owner: record.ownerId,
    modules: planned.modules,
    workspace: planned.workspace,
    tailscale: planned.tailscale,
    limits: fits ? kept : planned.limits,
    privateUsers: record.spec.privateUsers ?? null,
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
      await purgeSteps(deps, lease, record.ownerId, record.id);
    } catch (error) {
      lease.end();
      const problem = `trash ${record.id} (user ${record.ownerId}): could not purge: ${(error as Error).message}. ${whatToDo(error)}`;
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

/** What a purge records in its lease before its first destroy: the origin of its entry. */
const ORIGIN_MARK = "origin:";

/**
 * The host steps of a purge, for purgeTrash and for the repair of one cut off. The entry's
 * origin is read and recorded in the lease before anything is destroyed: once a clone of the
 * entry has been promoted, the entry's origin is that clone's snapshot (the one it inherited),
 * which a repair reading it afresh would take for the entry's own fork snapshot and delete.
 */
export async function purgeSteps(deps: WorkloadDeps, lease: Lease, ownerId: number, id: string) {
  const made = deps.store.operations.find(lease.operation.id)?.made ?? lease.operation.made;
  const recorded = made.find((step) => step.startsWith(ORIGIN_MARK));
  let origin: { snapshot: string | undefined } | undefined;
  if (recorded !== undefined)
    origin = { snapshot: recorded.slice(ORIGIN_MARK.length) || undefined };
  else if (deps.host.storage.snapshots) {
    const snapshot = await deps.host.storage.snapshots.trashOrigin(ownerId, id);
    lease.made(`${ORIGIN_MARK}${snapshot ?? ""}`);
    origin = { snapshot };
  }
  await deps.host.storage.purgeTrash(ownerId, id, origin);
}

/**
 * What a person can do about a purge the host refused, for the admins' notice: each failure is
 * told once per daemon run, and a purge that fails every hour must not be one line in a log.
 */
function whatToDo(error: unknown): string {
  const later =
    "The next purge (hourly, or `voxnix trash purge`) tries again; until then it counts against the user's quota.";
  if (!(error instanceof HostCommandError)) return later;
  const clash = /cannot promote '([^']+)': conflicting snapshot '([^']+)'/.exec(error.stderrTail);
  if (clash)
    return `A workspace made from it (${clash[1]}) has a snapshot named ${clash[2]} too: rename that one (zfs rename ${clash[1]}@${clash[2]} ${clash[1]}@${clash[2]}.kept). ${later}`;
  if (error.stderrTail.includes("dataset is busy"))
    return `Something on the host still uses it (a shell or a mount in its directory): end that. ${later}`;
  return `${later} If it fails again, the zfs error above says what stands in the way.`;
}
