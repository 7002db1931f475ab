import type { TrashEntryRecord } from "./records.js";
import { isAdmin, type Actor } from "./actor.js";
import { installContainer } from "./addresses.js";
import { auditTrail, failureOf, outcomeOf } from "./audit.js";
import { buildSpec } from "./build-spec.js";
import { assertComputeFits } from "./compute-quota.js";
import type { OperationOptions, WorkloadDeps } from "./deps.js";
import { suggestFreeName } from "./free-name.js";
import { beginOperation, type Lease } from "./lease.js";
import { Refusal, parseOrRefuse } from "./refusal.js";
import { CreateInput, type ContainerSpec } from "./spec.js";
import { accessOf } from "./users.js";
import { keyFor } from "./tailnet.js";
import { forkWorkspace, type ForkSource } from "./fork-workspace.js";
import { assertStorageLeft } from "./storage-left.js";
import { assertRangeFree, freeUidBase } from "./uid-ranges.js";
import { createUndo } from "./undo.js";
import { giveBack } from "./trash-record.js";

export interface CreateResult {
  readonly name: string;
  readonly ownerId: number;
  readonly modules: readonly string[];
  /** "running", or "stopped" when the container was installed but did not start. */
  readonly state: "running" | "stopped";
  /** Why a container that was installed is not running, for the user to act on. */
  readonly problem?: string;
}

/**
 * The spec a create request asks for, checked against the module library and the limits. An
 * admin creating for someone checks that they have access, unless `ownerWithoutAccess` says
 * that is meant (a container prepared before the person is let in).
 */
export function planContainer(
  deps: WorkloadDeps,
  actor: Actor,
  input: CreateInput,
  options: { ownerWithoutAccess?: boolean } = {},
): ContainerSpec {
  const request = parseOrRefuse(CreateInput, input);
  const ownerId = request.owner ?? actor.userId;
  if (ownerId !== actor.userId && !isAdmin(actor)) {
    throw new Refusal("not-allowed", "Only admins can create containers for someone else.");
  }
  if (
    ownerId !== actor.userId &&
    !options.ownerWithoutAccess &&
    accessOf(deps, ownerId) === undefined
  ) {
    throw new Refusal(
      "not-allowed",
      `${ownerId} has no access to voxnix: grant it first, or say that it is meant (--force).`,
    );
  }
  return buildSpec({
    request,
    ownerId,
    modules: deps.modules,
    limits: deps.limits,
    hasTailscaleKey: deps.tailscaleKey !== undefined || deps.tailnet !== undefined,
    tailscaleKeyPath: deps.host.staging.tailscaleKeyPath(request.name),
    workspacePath: deps.host.storage.workspacePath(ownerId, request.name),
  });
}

/**
 * A create or restore that has been admitted: checked, authorized, within the limits, and its
 * name, lease and user range claimed. Nothing is on the host yet. Exactly one of `run` or
 * `release` is meant to follow; until then the name is held for it.
 */
export interface Admission {
  readonly name: string;
  readonly ownerId: number;
  readonly modules: readonly string[];
  /** Carries the admitted work out (see provisionContainer). Once only. */
  run(options?: OperationOptions): Promise<CreateResult>;
  /**
   * Gives it up before it ran, e.g. when its progress message cannot be sent: the name is free.
   * Does nothing once it runs or was released.
   */
  release(): void;
}

/**
 * Admits a planned container synchronously, so a caller (the agent's tool, a chat command) hears
 * a taken name or a full quota of containers before it tells anyone the work has started.
 */
export function admitContainer(
  deps: WorkloadDeps,
  actor: Actor,
  planned: ContainerSpec,
  options: {
    readonly fromTrash?: TrashEntryRecord;
    readonly fromFork?: ForkSource;
    readonly ttlMs?: number;
  } = {},
): Admission {
  const audit = auditTrail(deps, {
    actor,
    action: options.fromTrash ? "restore" : options.fromFork ? "fork" : "create",
    target: planned.name,
  });
  let claimed: { lease: Lease; spec: ContainerSpec };
  try {
    claimed = claimName(deps, actor, planned, options.fromTrash, options.ttlMs);
  } catch (error) {
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }
  const { lease, spec } = claimed;
  let state: "admitted" | "running" | "released" = "admitted";
  return {
    name: spec.name,
    ownerId: spec.owner,
    modules: spec.modules,
    async run(runOptions = {}) {
      if (state !== "admitted") throw new Error(`the ${spec.name} admission was already ${state}`);
      state = "running";
      try {
        if (runOptions.report) lease.reportTo(runOptions.report);
      } catch (error) {
        // Nothing is made yet: the claim goes, rather than hold the name for this process's life.
        forgetClaim(deps, lease, spec.name);
        throw error;
      }
      return provisionContainer(
        deps,
        { lease, spec, audit, fromTrash: options.fromTrash, fromFork: options.fromFork },
        runOptions,
      );
    },
    release() {
      if (state !== "admitted") return;
      state = "released";
      forgetClaim(deps, lease, spec.name);
    },
  };
}

/** The claim of a create that made nothing on the host: the name and the lease go. */
function forgetClaim(deps: WorkloadDeps, lease: Lease, name: string) {
  deps.store.transaction(() => {
    deps.store.containers.remove(name);
    lease.end();
  });
}

interface Admitted {
  readonly lease: Lease;
  readonly spec: ContainerSpec;
  readonly audit: ReturnType<typeof auditTrail>;
  readonly fromTrash: TrashEntryRecord | undefined;
  readonly fromFork?: ForkSource | undefined;
}

/**
 * Brings an admitted container into being: quota → workspace (new and given to the range, or
 * `fromTrash`'s, moved out of the trash) → staged spec → the module set's system (built before,
 * or built in a build slot) → the Tailscale key → install → start → verify → commit.
 *
 * "Installed" means the conf file exists. A failure before that undoes everything this call
 * made, and a restored workspace goes back into its trash entry, whose row stays until the
 * commit; an installed container that did not start is kept and reported as stopped. If the
 * undo itself fails, the operation is abandoned to reconcile rather than half-forgotten.
 */
async function provisionContainer(
  deps: WorkloadDeps,
  { lease, spec, audit, fromTrash: trashed, fromFork: forked }: Admitted,
  options: OperationOptions,
): Promise<CreateResult> {
  const { host } = deps;
  const action = trashed ? "restore" : "create";
  const forget = () => forgetClaim(deps, lease, spec.name);
  try {
    await checkSpace(deps, spec);
  } catch (error) {
    forget();
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }

  const undo = createUndo(deps.log);
  try {
    options.onProgress?.("workspace");
    let hostPath: string;
    if (trashed) {
      // Before the move: a move that happens but then reports failure (a timeout, a failed
      // label) must still be undone. The undo checks where the workspace really is.
      undo.push("workspace", () => putBackInTrash(deps, spec.owner, spec.name, trashed.id));
      hostPath = await host.storage.restoreFromTrash(spec.owner, trashed.id, spec.name);
    } else if (forked) {
      hostPath = await forkWorkspace(deps, forked, spec, { lease, undo });
    } else {
      // Marked before it is made, so a create that dies inside `zfs create` is undone too. Safe:
      // checkSpace found no workspace of this name, and the lease keeps anyone else from
      // making one, so whatever is there from now on is this create's.
      lease.made("workspace");
      undo.push("workspace", () => host.storage.removeWorkspace(spec.owner, spec.name));
      hostPath = await host.storage.createWorkspace(spec.owner, spec.name);
      // Its root belongs to the container's root, which is no one on the host.
      if (spec.privateUsers)
        await host.storage.giveTo(spec.owner, spec.name, spec.privateUsers.base);
    }
    const finalSpec: ContainerSpec = { ...spec, workspace: { hostPath } }; // the storage's own word
    undo.push("staged files", () => host.staging.remove(spec.name));
    const specPath = await host.staging.writeSpec(spec.name, finalSpec);
    deps.store.containers.setSpec(spec.name, finalSpec);

    // A module set built before costs nothing and takes no build slot.
    const system = await host.systems.forModules(finalSpec.modules);
    const systemPath =
      system.built ??
      (await deps.buildSlots.run(
        async () => {
          options.onProgress?.("building");
          return system.build(specPath, options.signal);
        },
        (position) => options.onProgress?.("queued", `${position} ahead`),
      ));
    // After the build, which can take many minutes: a minted key lives for fifteen.
    if (finalSpec.tailscale) {
      const { key, undo: revoke } = await keyFor(deps, spec.name, spec.owner);
      undo.push("tailnet key", revoke);
      await host.staging.stageTailscaleKey(spec.name, key.reveal(), spec.privateUsers?.base);
    }
    // Marked before the first file is written; uninstall removes whatever of it there is.
    undo.push("container files", () => host.installer.uninstall(spec.name));
    await installContainer(deps, finalSpec, systemPath);
    options.onProgress?.("starting");
    await host.containers.start(spec.name);
  } catch (error) {
    if (host.installer.isInstalled(spec.name)) {
      commit(deps, lease, spec.name, "stopped", trashed);
      audit("failed", { installed: true, ...failureOf(error) });
      deps.log.warn({ err: error, container: spec.name }, "container installed but not started");
      return {
        name: spec.name,
        ownerId: spec.owner,
        modules: spec.modules,
        state: "stopped",
        problem: `it was built and installed, but did not start; /logs ${spec.name} shows why, /up ${spec.name} tries again`,
      };
    }
    const failedUndo = await undo.rollback();
    if (failedUndo.length === 0) forget();
    else lease.abandon();
    audit("failed", {
      ...failureOf(error),
      ...(failedUndo.length ? { rollbackFailed: failedUndo } : {}),
    });
    deps.log.warn({ err: error, container: spec.name }, `${action} failed; rolled back`);
    throw error;
  }

  // Installed is what counts; if machinectl cannot answer now, reconciliation corrects the state.
  const running = await host.machines.isRunning(spec.name).catch((error: unknown) => {
    deps.log.warn({ err: error, container: spec.name }, "could not confirm the container runs");
    return false;
  });
  commit(deps, lease, spec.name, running ? "running" : "stopped", trashed);
  audit("ok", {
    modules: spec.modules,
    running,
    ...(trashed ? { restoredFrom: trashed.id } : {}),
  });
  const result = { name: spec.name, ownerId: spec.owner, modules: spec.modules };
  return running
    ? { ...result, state: "running" }
    : { ...result, state: "stopped", problem: "installed, but it did not report as running" };
}

/** The container is installed: its state, the end of the trash entry it came from, and of the lease. */
function commit(
  deps: WorkloadDeps,
  lease: Lease,
  name: string,
  state: "running" | "stopped",
  trashed: TrashEntryRecord | undefined,
) {
  deps.store.transaction(() => {
    deps.store.containers.setState(name, state);
    if (trashed) deps.store.trash.remove(trashed.id);
    lease.end();
  });
}

/** Room for a new workspace, and no workspace of that name left on the host by anything else. */
async function checkSpace(deps: WorkloadDeps, spec: ContainerSpec) {
  // The registry's unique name does not cover what voxnix did not make: an admin's own
  // container, or what a destroy could not remove. Installing over it would hand it over.
  const occupant = deps.host.installer.occupant(spec.name);
  if (occupant !== undefined) {
    deps.log.warn(
      { container: spec.name, occupant },
      "a container voxnix does not know is in the way",
    );
    throw new Refusal(
      "conflict",
      `A container named "${spec.name}" is on the host outside voxnix; choose another name, or ask the admin.`,
    );
  }
  const space = await assertStorageLeft(deps, spec.owner);
  if (space?.workspaces.has(spec.name)) {
    deps.log.warn(
      { container: spec.name, owner: spec.owner },
      "a workspace without a container is in the way",
    );
    throw new Refusal(
      "conflict",
      `A workspace named "${spec.name}" is on the host without a container; choose another name, or ask the admin (voxnix doctor lists it).`,
    );
  }
}

/**
 * Moves a restore's workspace back under its trash id if it is out of trash: idempotent, so the
 * undo of a failed restore and the repair of an interrupted one are the same step.
 */
export async function putBackInTrash(
  deps: WorkloadDeps,
  ownerId: number,
  name: string,
  trashId: string,
) {
  const space = (await deps.host.storage.scan()).get(ownerId);
  if (space?.workspaces.has(name) && !space.trash.has(trashId))
    await deps.host.storage.moveToTrash(ownerId, name, trashId);
}

/**
 * Checks the counts, registers the name and leases it (and the trash entry a restore uses) in
 * one transaction: concurrent creates can neither share a name nor slip past a limit together,
 * and no reconcile can ever see the row without the operation that owns it.
 */
function claimName(
  deps: WorkloadDeps,
  actor: Actor,
  spec: ContainerSpec,
  fromTrash: TrashEntryRecord | undefined,
  ttlMs?: number,
): { lease: Lease; spec: ContainerSpec } {
  const { store } = deps;
  return store.transaction(() => {
    assertAdmissible(deps, spec);
    if (fromTrash) assertRangeFree(deps, spec.privateUsers?.base ?? undefined, fromTrash.id);
    const lease = beginOperation(deps, {
      kind: fromTrash ? "restore" : "create",
      container: spec.name,
      ...(fromTrash ? { trashId: fromTrash.id } : {}),
      ownerId: spec.owner,
      actor,
    });
    // A restore keeps the range its workspace is owned by; a create takes a free one.
    const claimed: ContainerSpec =
      spec.privateUsers === undefined
        ? { ...spec, privateUsers: { base: freeUidBase(deps) } }
        : spec;
    store.containers.insert({
      name: claimed.name,
      ownerId: claimed.owner,
      spec: claimed,
      state: "creating",
    });
    // Its lifetime is the idle policy's to keep (workloads/policy/idle.ts).
    if (ttlMs !== undefined) store.activity.setExpiry(claimed.name, deps.now() + ttlMs);
    // A restore is the container it was: its pin, idle period and lifetime come back with it.
    if (fromTrash?.kept) giveBack(deps, claimed.name, fromTrash.kept);
    return { lease, spec: claimed };
  });
}

/**
 * What an admission refuses before it claims anything: a taken name, a user or host at their
 * count of containers, a user whose running containers leave no room for it. Also asked on its own, claiming nothing, before the module picker.
 */
export function assertAdmissible(deps: WorkloadDeps, spec: ContainerSpec) {
  const { store, limits } = deps;
  if (store.containers.find(spec.name)) throw nameTaken(deps, spec.name);
  if (store.containers.countByOwner(spec.owner) >= limits.maxContainersPerUser) {
    throw new Refusal(
      "limit",
      `You have ${limits.maxContainersPerUser} containers, the most allowed; destroy one first.`,
    );
  }
  if (store.containers.countAll() >= limits.maxContainers) {
    throw new Refusal(
      "limit",
      `This host is full (${limits.maxContainers} containers); ask the admin.`,
    );
  }
  assertComputeFits(deps, spec);
}

function nameTaken(deps: WorkloadDeps, name: string): Refusal {
  const suggestion = suggestFreeName(
    name,
    (candidate) => deps.store.containers.find(candidate) !== undefined,
  );
  return new Refusal(
    "name-taken",
    `The name "${name}" is taken on this host. Try "${suggestion}".`,
    { suggestion },
  );
}
