import { auditName, authorize, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { parseOrRefuse, Refusal } from "./refusal.js";
import { NameInput } from "./spec.js";

export interface PowerResult {
  readonly name: string;
  readonly state: "running" | "stopped";
}

type PowerAction = "start" | "stop" | "restart";

/**
 * Starts, stops or restarts one of the actor's containers, under its lock. Starting mounts the
 * workspace first: a dataset's mount can be lost across reboots and the bind mount needs it.
 */
async function setPower(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
  action: PowerAction,
): Promise<PowerResult> {
  const { name } = parseOrRefuse(NameInput, input);
  authorize(actor, name, deps.store.containers.find(name));
  return deps.containerLocks.run(name, async () => {
    const container = authorize(actor, name, deps.store.containers.find(name));
    if (container.state === "creating" || container.state === "destroying") {
      throw new Refusal(
        "conflict",
        `"${name}" is being ${container.state === "creating" ? "created" : "destroyed"}; try again in a moment.`,
      );
    }
    const { host } = deps;
    const audit = (outcome: "ok" | "failed", detail = {}) =>
      deps.store.audit.record({ actor: auditName(actor), action, target: name, outcome, detail });
    try {
      if (action !== "start") await host.containers.stop(name);
      if (action !== "stop") {
        await host.storage.ensureMounted(container.ownerId, name);
        await host.containers.start(name);
      }
    } catch (error) {
      const running = await host.machines.isRunning(name).catch(() => false);
      deps.store.containers.setState(name, running ? "running" : "stopped");
      audit("failed", { error: (error as Error).message });
      throw error;
    }
    const state = action === "stop" ? "stopped" : "running";
    deps.store.containers.setState(name, state);
    audit("ok");
    return { name, state };
  });
}

export const startContainer = (deps: WorkloadDeps, actor: Actor, input: NameInput) =>
  setPower(deps, actor, input, "start");
export const stopContainer = (deps: WorkloadDeps, actor: Actor, input: NameInput) =>
  setPower(deps, actor, input, "stop");
export const restartContainer = (deps: WorkloadDeps, actor: Actor, input: NameInput) =>
  setPower(deps, actor, input, "restart");
