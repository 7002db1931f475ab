import { z } from "zod";
import { isVoxnixError, VoxnixError } from "../errors.js";
import type { Container } from "./records.js";
import type { Actor } from "./actor.js";
import { auditTrail, failureOf, outcomeOf } from "./audit.js";
import { buildSpec } from "./build-spec.js";
import { assertComputeFits } from "./compute-quota.js";
import type { OperationOptions, WorkloadDeps } from "./deps.js";
import { beginOperation, type Lease } from "./lease.js";
import { tellOwner } from "./notify.js";
import { parseOrRefuse, Refusal } from "./refusal.js";
import { settled } from "./snapshots.js";
import { CreateInput, containerName, IMPLICIT_MODULES, type ContainerSpec } from "./spec.js";

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

/** What a change's lease records once the host may differ from the registry. */
const HOST_CHANGED = "host-changed";

/** The module that decides the conf's binds and a tailnet device: chosen at create only. */
const CREATE_ONLY = "tailscale";

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
  const kept = (m: string) =>
    m === CREATE_ONLY || (IMPLICIT_MODULES as readonly string[]).includes(m);
  return {
    ...request,
    add: modules.filter((m) => !current.modules.includes(m)),
    remove: current.modules.filter((m) => !kept(m) && !modules.includes(m)),
  };
}

const sameModules = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((m, i) => m === b[i]);

/** Refuses now what `reconfigureContainer` would refuse before it begins, claiming nothing. */
export function checkChange(deps: WorkloadDeps, actor: Actor, input: ChangeInput) {
  const container = settled(deps, actor, String(input.name));
  const next = planChange(deps, container, input);
  if (container.state === "running") assertComputeFits(deps, next);
  return { container, next };
}

/**
 * Changes a container's modules and limits in place, keeping its workspace. The new system is
 * built first (a failed build changes nothing); then installed, and in a running container
 * activated without a restart, as extra-container --update-changed does (only SYSTEM_PATH
 * changes in the conf: the binds come from the workspace and Tailscale, which stay), with the
 * new limits applied to its cgroup now. A failed activation puts the previous system back,
 * installed and active, and says why. Under the container's lease; after a crash reconcile
 * puts the registry's (previous) spec back the same way (restoreInstalled).
 */
export async function reconfigureContainer(
  deps: WorkloadDeps,
  actor: Actor,
  input: ChangeInput,
  options: OperationOptions = {},
): Promise<ChangeResult> {
  const { store, host } = deps;
  const name = String(input.name);
  const audit = auditTrail(deps, { actor, action: "reconfigure", target: name });
  let container: Container;
  let lease: Lease;
  let next: ContainerSpec;
  try {
    [container, next, lease] = store.transaction(() => {
      const { container, next } = checkChange(deps, actor, input);
      const lease = beginOperation(deps, {
        kind: "reconfigure",
        container: name,
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
  const before = container.spec;
  const detail = {
    modules: next.modules,
    cpus: next.limits.cpus,
    memoryBytes: next.limits.memoryBytes,
  };
  const unchanged =
    sameModules(before.modules, next.modules) &&
    before.limits.cpus === next.limits.cpus &&
    before.limits.memoryBytes === next.limits.memoryBytes;
  if (unchanged) {
    lease.end();
    audit("ok", { ...detail, applied: "unchanged" });
    return {
      name,
      modules: next.modules,
      limits: next.limits,
      state: container.state as "running" | "stopped",
      applied: "unchanged",
    };
  }

  let applied: ChangeResult["applied"];
  try {
    const running = await host.machines.isRunning(name);
    // From the staged spec on, the host may differ from the registry until the commit: the
    // lease says so, for whoever puts the registry's back.
    lease.made(HOST_CHANGED);
    const systemPath = await systemFor(deps, next, options);
    await install(deps, next, systemPath);
    if (running) {
      await host.systemd.setLimits(`container@${name}.service`, next.limits);
      if (!sameModules(before.modules, next.modules))
        await host.containers.switchTo(name, systemPath);
    }
    applied = running ? "switched" : "next-start";
  } catch (error) {
    try {
      await restoreInstalled(deps, container, lease);
    } catch (undoError) {
      lease.abandon();
      audit("failed", { ...detail, ...failureOf(error), rollbackFailed: String(undoError) });
      throw error;
    }
    audit(outcomeOf(error), { ...detail, ...failureOf(error) });
    throw new NotChanged(name, before, error);
  }
  const state = (await host.machines.isRunning(name)) ? "running" : "stopped";
  store.transaction(() => {
    store.containers.setSpec(name, next);
    store.containers.setState(name, state);
    lease.end();
  });
  audit("ok", { ...detail, applied });
  tellOwner(
    deps,
    actor,
    container.ownerId,
    (who) => `🔧 ${who} changed ${name}: ${next.modules.join(", ")}; ${next.limits.cpus} CPU.`,
  );
  return { name, modules: next.modules, limits: next.limits, state, applied };
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
  deps.host.installer.install({
    name: spec.name,
    systemPath,
    workspace: spec.workspace.hostPath,
    tailscaleKeyFile: spec.tailscale?.authKeyFile,
    uidBase: spec.privateUsers?.base ?? undefined,
    limits: spec.limits,
  });

/**
 * Puts the registry's spec back on the host: staged, installed, and in a running container its
 * system active and its limits applied; then the lease ends. Idempotent, so a failed change and
 * reconcile after a crash both end here, and it can be cut off and run again.
 */
export async function restoreInstalled(
  deps: WorkloadDeps,
  container: Container,
  lease: Lease,
): Promise<"running" | "stopped"> {
  const { host, store } = deps;
  const spec = container.spec;
  const made = store.operations.forContainer(container.name)?.made ?? lease.operation.made;
  if (made.includes(HOST_CHANGED)) {
    const systemPath = await systemFor(deps, spec, {});
    await install(deps, spec, systemPath);
    if (await host.machines.isRunning(container.name)) {
      await host.systemd.setLimits(`container@${container.name}.service`, spec.limits);
      await host.containers.switchTo(container.name, systemPath);
    }
  }
  const state = (await host.machines.isRunning(container.name)) ? "running" : "stopped";
  store.transaction(() => {
    store.containers.setState(container.name, state);
    lease.end();
  });
  return state;
}

/** A change that failed and was undone: the container is as it was, and the cause says why. */
export class NotChanged extends VoxnixError {
  readonly userMessage: string;
  constructor(name: string, kept: ContainerSpec, cause: unknown) {
    super(`${name}: change not made, previous system kept: ${String(cause)}`, { cause });
    const why = isVoxnixError(cause) ? cause.userMessage : "the host could not do it";
    this.userMessage = `${name} was not changed: ${why} It keeps its previous system (${kept.modules.join(", ")}) and limits.`;
  }
}
