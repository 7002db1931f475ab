import { HostCommandError } from "../host/index.js";
import type { JsonObject, TrashRecord } from "../store/index.js";
import { auditName, isAdmin, type Actor } from "./actor.js";
import type { OperationOptions, WorkloadDeps } from "./deps.js";
import { suggestFreeName } from "./free-name.js";
import { Refusal, parseOrRefuse } from "./refusal.js";
import { buildSpec } from "./build-spec.js";
import { type ContainerSpec, CreateInput } from "./spec.js";
import { createUndo } from "./undo.js";

/** Below this, a new workspace would be unusable: the quota counts as exhausted. */
export const MIN_FREE_BYTES = 64 * 1024 ** 2;

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
 * Creates a container: validate → authorize → check limits → claim the name → workspace →
 * staged key and spec → build and start (in a build slot) → verify.
 *
 * "Installed" means the conf file exists. A failure before that rolls back everything this call
 * made (workspace, staged files, registry row); an installed container that did not start is
 * kept and reported as stopped with the reason.
 */
export async function createContainer(
  deps: WorkloadDeps,
  actor: Actor,
  input: CreateInput,
  options: OperationOptions & { readonly restoreFrom?: TrashRecord } = {},
): Promise<CreateResult> {
  const request = parseOrRefuse(CreateInput, input);
  const ownerId = request.owner ?? actor.userId;
  if (ownerId !== actor.userId && !isAdmin(actor)) {
    throw new Refusal("not-allowed", "Only admins can create containers for someone else.");
  }
  const spec = buildSpec({
    request,
    ownerId,
    modules: deps.modules,
    limits: deps.limits,
    hasTailscaleKey: deps.tailscaleKey !== undefined,
    tailscaleKeyPath: deps.host.staging.tailscaleKeyPath(request.name),
    workspacePath: deps.host.storage.workspacePath(ownerId, request.name),
  });
  const audit = (outcome: "ok" | "refused" | "failed", detail: JsonObject) =>
    deps.store.audit.record({
      actor: auditName(actor),
      action: "create",
      target: spec.name,
      outcome,
      detail,
    });

  // The name is claimed first, so the container shows as "creating" from the first moment.
  let claimed = false;
  try {
    claimName(deps, ownerId, spec);
    claimed = true;
    await checkQuota(deps, ownerId);
  } catch (error) {
    if (claimed) deps.store.containers.remove(spec.name);
    if (error instanceof Refusal) audit("refused", { reason: error.reason });
    else audit("failed", { error: describe(error) });
    throw error;
  }

  return deps.containerLocks.run(spec.name, async () => {
    const undo = createUndo(deps.log);
    undo.push("registry row", () => deps.store.containers.remove(spec.name));
    try {
      options.onProgress?.("workspace");
      const { host } = deps;
      const trashed = options.restoreFrom;
      const hostPath = trashed
        ? await host.storage.restoreFromTrash(ownerId, trashed.id, spec.name)
        : await host.storage.createWorkspace(ownerId, spec.name);
      undo.push("workspace", () =>
        trashed
          ? host.storage.moveToTrash(ownerId, spec.name, trashed.id)
          : host.storage.removeWorkspace(ownerId, spec.name),
      );
      const finalSpec: ContainerSpec = { ...spec, workspace: { hostPath } }; // the storage's own word
      undo.push("staged files", () => host.staging.remove(spec.name));
      if (finalSpec.tailscale && deps.tailscaleKey) {
        await host.staging.stageTailscaleKey(spec.name, deps.tailscaleKey.reveal());
      }
      const specPath = await host.staging.writeSpec(spec.name, finalSpec);
      deps.store.containers.setSpec(spec.name, toJson(finalSpec));

      await deps.buildSlots.run(
        async () => {
          options.onProgress?.("building");
          await host.extraContainer.createAndStart(host.definitionFor(specPath), options.signal);
        },
        (position) => options.onProgress?.("queued", `${position} ahead`),
      );
    } catch (error) {
      if (deps.host.extraContainer.isInstalled(spec.name))
        return keepInstalled(deps, spec, error, audit, options.restoreFrom);
      const failedUndo = await undo.rollback();
      audit("failed", {
        error: describe(error),
        ...(failedUndo.length ? { rollbackFailed: failedUndo } : {}),
      });
      throw error;
    }

    if (options.restoreFrom) deps.store.trash.remove(options.restoreFrom.id);
    options.onProgress?.("starting");
    // Installed is what counts; if machinectl cannot answer now, reconciliation corrects the state.
    const running = await deps.host.machines.isRunning(spec.name).catch((error: unknown) => {
      deps.log.warn({ err: error, container: spec.name }, "could not confirm the container runs");
      return false;
    });
    deps.store.containers.setState(spec.name, running ? "running" : "stopped");
    audit("ok", {
      modules: spec.modules,
      running,
      ...(options.restoreFrom ? { restoredFrom: options.restoreFrom.id } : {}),
    });
    return running
      ? { name: spec.name, ownerId, modules: spec.modules, state: "running" }
      : {
          name: spec.name,
          ownerId,
          modules: spec.modules,
          state: "stopped",
          problem: "installed, but it did not report as running",
        };
  });
}

async function checkQuota(deps: WorkloadDeps, ownerId: number) {
  const space = (await deps.host.storage.scan()).get(ownerId);
  if (space?.availableBytes !== undefined && space.availableBytes < MIN_FREE_BYTES) {
    throw new Refusal(
      "quota",
      "Your storage quota is used up; empty /trash or destroy a container first.",
    );
  }
}

/**
 * Checks the counts and registers the name in one transaction, so concurrent creates can neither
 * share a name nor slip past a limit together.
 */
function claimName(deps: WorkloadDeps, ownerId: number, spec: ContainerSpec) {
  const { store, limits } = deps;
  store.transaction(() => {
    if (store.containers.find(spec.name)) throw nameTaken(deps, spec.name);
    if (store.containers.countByOwner(ownerId) >= limits.maxContainersPerUser) {
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
    store.containers.insert({ name: spec.name, ownerId, spec: toJson(spec), state: "creating" });
  });
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

async function keepInstalled(
  deps: WorkloadDeps,
  spec: ContainerSpec,
  error: unknown,
  audit: (outcome: "failed", detail: JsonObject) => void,
  restoreFrom: TrashRecord | undefined,
): Promise<CreateResult> {
  deps.store.containers.setState(spec.name, "stopped");
  if (restoreFrom) deps.store.trash.remove(restoreFrom.id);
  audit("failed", { installed: true, error: describe(error) });
  deps.log.warn({ err: error, container: spec.name }, "container installed but not started");
  return {
    name: spec.name,
    ownerId: spec.owner,
    modules: spec.modules,
    state: "stopped",
    problem: "it was built and installed, but did not start; /logs shows why, /up tries again",
  };
}

const describe = (error: unknown) =>
  error instanceof HostCommandError
    ? error.message
    : error instanceof Error
      ? error.message
      : String(error);

const toJson = (spec: ContainerSpec) => spec as unknown as JsonObject;
