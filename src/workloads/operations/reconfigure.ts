import { z } from "zod";
import { isVoxnixError, VoxnixError } from "../../errors.js";
import { formatSize } from "../../size.js";
import type { Container } from "../primitives/records.js";
import type { Actor } from "../primitives/actor.js";
import { installContainer } from "../primitives/addresses.js";
import { auditTrail, failureOf, outcomeOf } from "../primitives/audit.js";
import { buildSpec } from "../primitives/build-spec.js";
import { assertComputeFits, cpuText } from "../primitives/compute-quota.js";
import type { OperationOptions, WorkloadDeps } from "../primitives/deps.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import { tellOwner } from "../primitives/notify.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { settled } from "../primitives/workspace-snapshots.js";
import {
  CreateInput,
  containerName,
  IMPLICIT_MODULES,
  type ContainerSpec,
} from "../primitives/spec.js";

/** What may change in place: modules added or removed, CPUs, memory. */
export const ChangeInput = z.object({
  name: containerName,
  /** Exactly these (besides workspace, and Tailscale as it was): a picker's choice. */
  modules: z.array(z.string().trim().toLowerCase()).optional(),
  add: z.array(z.string().trim().toLowerCase()).default([]),
  remove: z.array(z.string().trim().toLowerCase()).default([]),
  cpus: CreateInput.shape.cpus,
  memory: CreateInput.shape.memory,
});
export type ChangeInput = z.input<typeof ChangeInput>;

export interface ChangeResult {
  readonly name: string;
  readonly modules: readonly string[];
  readonly limits: ContainerSpec["limits"];
  readonly state: "running" | "stopped";
  /**
   * How it took effect: nothing asked differs from what it is; activated in the running
   * container without a restart; or written for its next start (it is stopped).
   */
  readonly applied: "unchanged" | "switched" | "next-start";
}

/** The module that decides the conf's binds and a tailnet device: chosen at create only. */
const CREATE_ONLY = "tailscale";

/** Whether a change in place may add or remove `module` (not workspace, not Tailscale). */
export const isChangeable = (module: string) =>
  module !== CREATE_ONLY && !(IMPLICIT_MODULES as readonly string[]).includes(module);

/**
 * The spec a change asks for: the container's own, with its modules and limits as asked, checked
 * as a create's would be (buildSpec). Everything else (workspace, user range, Tailscale) stays.
 */
function planChange(deps: WorkloadDeps, container: Container, input: ChangeInput): ContainerSpec {
  const parsed = parseOrRefuse(ChangeInput, input);
  const current = container.spec;
  const request = parsed.modules ? asAddRemove(parsed, parsed.modules, current) : parsed;
  for (const module of [...request.add, ...request.remove]) {
    if (module === CREATE_ONLY)
      throw new Refusal(
        "unavailable",
        `Tailscale is chosen when a container is created: it changes what the host gives ${container.name} and joins it to your tailnet. Make a new container with it instead.`,
      );
    if ((IMPLICIT_MODULES as readonly string[]).includes(module))
      throw new Refusal("invalid-input", `Every container has ${module}; it cannot be changed.`);
  }
  const both = request.add.filter((m) => request.remove.includes(m));
  if (both.length > 0)
    throw new Refusal("invalid-input", `Asked to add and remove ${both.join(", ")} at once.`);
  const notThere = request.remove.filter((m) => !current.modules.includes(m));
  if (notThere.length > 0)
    throw new Refusal(
      "invalid-input",
      `${container.name} has no ${notThere.join(", ")} to remove; it has ${current.modules.join(", ")}.`,
    );
  const modules = [...new Set([...current.modules, ...request.add])].filter(
    (m) => !request.remove.includes(m),
  );
  const planned = buildSpec({
    request: {
      name: current.name,
      modules,
      cpus: request.cpus ?? current.limits.cpus,
      memory: request.memory ?? current.limits.memoryBytes,
    },
    ownerId: current.owner,
    modules: deps.modules,
    limits: deps.limits,
    hasTailscaleKey: true, // only a module it already has: see CREATE_ONLY
    tailscaleKeyPath: current.tailscale?.authKeyFile ?? "/",
    workspacePath: current.workspace.hostPath,
  });
  return {
    ...current,
    modules: planned.modules,
    limits: {
      ...current.limits,
      cpus: planned.limits.cpus,
      memoryBytes: planned.limits.memoryBytes,
    },
  };
}

/** A chosen set of modules as what to add and remove; what is chosen at create stays as it is. */
function asAddRemove<T extends { add: string[]; remove: string[] }>(
  request: T,
  modules: readonly string[],
  current: ContainerSpec,
): T {
  if (request.add.length > 0 || request.remove.length > 0)
    throw new Refusal(
      "invalid-input",
      "Give either the modules it should have, or what to add and remove.",
    );
  return {
    ...request,
    add: modules.filter((m) => !current.modules.includes(m)),
    remove: current.modules.filter((m) => isChangeable(m) && !modules.includes(m)),
  };
}

const sameModules = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((m, i) => m === b[i]);

/** Refuses now what `reconfigureContainer` would refuse before it begins, claiming nothing. */
export function checkChange(deps: WorkloadDeps, actor: Actor, input: ChangeInput) {
  const { name } = parseOrRefuse(ChangeInput, input);
  const container = settled(deps, actor, name);
  const next = planChange(deps, container, input);
  if (container.state === "running")
    assertComputeFits(deps, next, { actor, running: container.spec.limits });
  return { container, next };
}

/** What a change's lease records, for whoever settles it after a crash (finishChange). */
const STEP = {
  /** The staged spec may be the new one: the host may differ from the registry. */
  hostChanged: "host-changed",
  /** The registry holds the new spec: a repair goes forward to it, not back. */
  committed: "committed",
  /** The registry took the previous spec back after a failure: a repair goes back too. */
  reverted: "reverted",
  /** New limits were given to the running unit (they outlast a stop until the next boot). */
  limitsApplied: "limits-applied",
  /** Followed by the store path the container booted before the change: an undo needs no build. */
  previousSystem: "previous-system:",
} as const;

/**
 * Changes a container's modules and limits in place, keeping its workspace. The new system is
 * built first: a failed build changes nothing the container uses. Then, in one transaction,
 * the user's compute share is checked again and the registry takes the new spec (so a start
 * racing this change counts the new limits); then the conf is installed and, in a running
 * container, the limits applied to its cgroup and the system activated without a restart, as
 * extra-container --update-changed does when only SYSTEM_PATH changes (the binds come from the
 * workspace and Tailscale, which stay). Any failure puts the previous system back, from the
 * store path it booted (no build), and says why. After a crash, reconcile goes back before the
 * registry took the new spec, forward after (finishChange).
 */
export async function reconfigureContainer(
  deps: WorkloadDeps,
  actor: Actor,
  input: ChangeInput,
  options: OperationOptions = {},
): Promise<ChangeResult> {
  const { store, host } = deps;
  const audit = auditTrail(deps, { actor, action: "reconfigure", target: String(input.name) });
  let container: Container;
  let lease: Lease;
  let next: ContainerSpec;
  try {
    [container, next, lease] = store.transaction(() => {
      const { container, next } = checkChange(deps, actor, input);
      const lease = beginOperation(deps, {
        kind: "reconfigure",
        container: container.name,
        ownerId: container.ownerId,
        actor,
        report: options.report,
      });
      return [container, next, lease] as const;
    });
  } catch (error) {
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }
  const { name, spec: before } = container;
  const detail = {
    modules: next.modules,
    cpus: next.limits.cpus,
    memoryBytes: next.limits.memoryBytes,
  };
  const result = (state: "running" | "stopped", applied: ChangeResult["applied"]) => ({
    name,
    modules: next.modules,
    limits: next.limits,
    state,
    applied,
  });
  if (
    sameModules(before.modules, next.modules) &&
    before.limits.cpus === next.limits.cpus &&
    before.limits.memoryBytes === next.limits.memoryBytes
  ) {
    lease.end();
    audit("ok", { ...detail, applied: "unchanged" });
    return result(container.state as "running" | "stopped", "unchanged");
  }

  const previousSystem = host.installer.installedSystem(name);
  let running: boolean;
  let back = before;
  try {
    lease.made(STEP.hostChanged);
    if (previousSystem) lease.made(`${STEP.previousSystem}${previousSystem}`);
    // Limits alone keep the system it booted: no build, even after a deploy changed nixpkgs
    // (it takes that at its next start, as every container does).
    const systemPath =
      previousSystem && sameModules(before.modules, next.modules)
        ? (await host.staging.writeSpec(name, next), previousSystem)
        : await systemFor(deps, next, options);
    store.transaction(() => {
      if (container.state === "running")
        assertComputeFits(deps, next, { actor, running: container.spec.limits });
      store.containers.setSpec(name, next);
      lease.made(STEP.committed);
    });
    running = await host.machines.isRunning(name);
    await install(deps, next, systemPath);
    if (running) {
      lease.made(STEP.limitsApplied);
      await host.systemd.setLimits(`container@${name}.service`, next.limits);
      if (!sameModules(before.modules, next.modules))
        await host.activation.switchTo(name, systemPath);
    }
  } catch (error) {
    try {
      // Back first in the registry: whatever happens to the undo, a repair goes back too.
      back = store.transaction(() => {
        if (!store.operations.forContainer(name)?.made.includes(STEP.committed)) return before;
        const back = limitsStillFit(deps, container, before, next);
        store.containers.setSpec(name, back);
        lease.made(STEP.reverted);
        return back;
      });
      await settle(deps, name, back, previousSystem, lease);
    } catch (undoError) {
      lease.abandon();
      audit("failed", { ...detail, ...failureOf(error), rollbackFailed: String(undoError) });
      deps.log.warn(
        { err: undoError, container: name },
        "change failed and could not be undone; reconcile retries",
      );
      throw error;
    }
    audit(outcomeOf(error), { ...detail, ...failureOf(error) });
    throw error instanceof Refusal ? error : new NotChanged(name, back, error);
  }
  // Done on the host. If machinectl cannot answer now, reconcile corrects the state.
  const state = (await host.machines.isRunning(name).catch(() => running)) ? "running" : "stopped";
  try {
    store.transaction(() => {
      store.containers.setState(name, state);
      lease.end();
    });
  } catch (error) {
    lease.abandon(); // committed: reconcile finishes it forward
    throw error;
  }
  audit("ok", { ...detail, applied: state === "running" ? "switched" : "next-start" });
  tellOwner(
    deps,
    actor,
    container.ownerId,
    (who) => `🔧 ${who} changed ${name}: ${next.modules.join(", ")}; ${cpuText(next.limits.cpus)}.`,
  );
  return result(state, state === "running" ? "switched" : "next-start");
}

/**
 * The spec a failed change goes back to: `before`, unless its limits no longer fit the user's
 * share because something started while the registry held the change's (lower) ones; then
 * the lower of each limit stays, which fits whatever was counted against the change.
 */
function limitsStillFit(
  deps: WorkloadDeps,
  container: Container,
  before: ContainerSpec,
  next: ContainerSpec,
): ContainerSpec {
  if (container.state !== "running") return before;
  try {
    assertComputeFits(deps, before);
    return before;
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return {
      ...before,
      limits: {
        ...before.limits,
        cpus: Math.min(before.limits.cpus, next.limits.cpus),
        memoryBytes: Math.min(before.limits.memoryBytes, next.limits.memoryBytes),
      },
    };
  }
}

/** The system of `spec`'s modules: built before (no build slot), or built now from its staged spec. */
async function systemFor(deps: WorkloadDeps, spec: ContainerSpec, options: OperationOptions) {
  const specPath = await deps.host.staging.writeSpec(spec.name, spec);
  const system = await deps.host.systems.forModules(spec.modules);
  if (system.built) return system.built;
  return deps.buildSlots.run(
    async () => {
      options.onProgress?.("building");
      return system.build(specPath, options.signal);
    },
    (position) => options.onProgress?.("queued", `${position} ahead`),
  );
}

const install = (deps: WorkloadDeps, spec: ContainerSpec, systemPath: string) =>
  installContainer(deps, spec, systemPath);

/**
 * Makes the host run `spec`: staged and, once the change was committed (it may have reached the
 * container), installed with `systemPath` (built from `spec` when not known), its limits on the
 * unit if they were changed there, and in a running container its system active; then the
 * registry holds `spec` and the lease ends. Idempotent, so it can be cut off and run again.
 */
async function settle(
  deps: WorkloadDeps,
  name: string,
  spec: ContainerSpec,
  systemPath: string | undefined,
  lease: Lease,
): Promise<"running" | "stopped"> {
  const { host, store } = deps;
  const made = store.operations.forContainer(name)?.made ?? lease.operation.made;
  if (!made.includes(STEP.committed)) {
    // Built at most: the container never saw the new spec, only the staged file did.
    if (made.includes(STEP.hostChanged)) await host.staging.writeSpec(name, spec);
  } else {
    const path = systemPath ?? (await systemFor(deps, spec, {}));
    if (systemPath) await host.staging.writeSpec(name, spec);
    await install(deps, spec, path);
    const running = await host.machines.isRunning(name);
    if (running || made.includes(STEP.limitsApplied))
      await host.systemd.setLimits(`container@${name}.service`, spec.limits);
    if (running) await activate(deps, spec, path);
  }
  const state = (await host.machines.isRunning(name)) ? "running" : "stopped";
  store.transaction(() => {
    store.containers.setSpec(name, spec);
    store.containers.setState(name, state);
    lease.end();
  });
  return state;
}

/**
 * Makes a running container run `systemPath`: switched to in place, or, when the activation
 * fails (a tenant's login shell runs it, and may break it), restarted, which boots the conf's
 * system whatever is inside. A settle must end with the container on the system its conf says.
 */
async function activate(deps: WorkloadDeps, spec: ContainerSpec, systemPath: string) {
  const { host } = deps;
  try {
    await host.activation.switchTo(spec.name, systemPath);
  } catch (error) {
    deps.log.warn(
      { err: error, container: spec.name },
      "activation failed while putting a system back; restarting the container",
    );
    await host.containers.stop(spec.name);
    await host.storage.ensureMounted(spec.owner, spec.name);
    await host.containers.start(spec.name);
  }
}

/**
 * Settles a change whose holder is gone (reconcile): back to the system the container booted
 * before, if the registry never took the new spec; forward to the registry's spec if it had.
 */
export async function finishChange(
  deps: WorkloadDeps,
  container: Container,
  lease: Lease,
): Promise<{ state: "running" | "stopped"; forward: boolean }> {
  const made = deps.store.operations.forContainer(container.name)?.made ?? lease.operation.made;
  const forward = made.includes(STEP.committed) && !made.includes(STEP.reverted);
  const previous = made
    .find((m) => m.startsWith(STEP.previousSystem))
    ?.slice(STEP.previousSystem.length);
  const state = await settle(
    deps,
    container.name,
    container.spec,
    forward ? undefined : previous,
    lease,
  );
  return { state, forward };
}

/** A change that failed and was undone: the container is as it was, and the cause says why. */
export class NotChanged extends VoxnixError {
  readonly userMessage: string;
  constructor(name: string, kept: ContainerSpec, cause: unknown) {
    super(`${name}: change not made, previous system kept: ${String(cause)}`, { cause });
    const why = isVoxnixError(cause) ? cause.userMessage : "the host could not do it";
    this.userMessage = `${name} was not changed: ${why} It keeps its previous system (${kept.modules.join(", ")}), with ${cpuText(kept.limits.cpus)} and ${formatSize(kept.limits.memoryBytes)}.`;
  }
}
