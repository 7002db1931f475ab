import { authorize, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { assertComputeFits } from "../primitives/compute-quota.js";
import { beginOperation } from "../primitives/lease.js";
import { tellOwner } from "../primitives/notify.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { NameInput } from "../primitives/spec.js";

export interface PowerResult {
  readonly name: string;
  readonly state: "running" | "stopped";
}

type PowerAction = "start" | "stop" | "restart";

const DONE: Record<PowerAction, string> = {
  start: "started",
  stop: "stopped",
  restart: "restarted",
};

/**
 * Starts, stops or restarts one of the actor's containers, under its lease. Starting mounts the
 * workspace first: a dataset's mount can be lost across reboots and the bind mount needs it.
 */
async function setPower(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
  action: PowerAction,
  /** Asked in the transaction that leases the container: a reason not to, or undefined. */
  stillWanted: () => string | undefined = () => undefined,
): Promise<PowerResult> {
  const { name } = parseOrRefuse(NameInput, input);
  const { store, host } = deps;
  const [container, lease] = store.transaction(() => {
    const container = authorize(actor, name, store.containers.find(name));
    const reason = stillWanted();
    if (reason !== undefined) throw new Refusal("conflict", reason, { name });
    if (action !== "stop")
      assertComputeFits(deps, container.spec, {
        actor,
        ...(container.state === "running" ? { running: container.spec.limits } : {}),
      });
    const lease = beginOperation(deps, {
      kind: action,
      container: name,
      ownerId: container.ownerId,
      actor,
    });
    return [container, lease] as const;
  });
  const audit = auditTrail(deps, { actor, action, target: name });
  const settle = (state: "running" | "stopped") =>
    store.transaction(() => {
      store.containers.setState(name, state);
      lease.end();
    });
  // A destroy that failed half-way is reconcile's to finish, not to be powered back up.
  if (container.state === "destroying" || container.state === "creating") {
    lease.end();
    throw new Refusal(
      "conflict",
      `"${name}" is being ${container.state === "creating" ? "created" : "destroyed"}; try again in a moment.`,
    );
  }
  try {
    if (action !== "start") await host.containers.stop(name);
    // Stopped on purpose, it stays stopped across a reboot; started, it comes back after one.
    // After the stop: a crash in between leaves the old rule (started at boot), never a
    // running container that a reboot would not bring back.
    if (action === "stop") await host.installer.startAtBoot(name, false);
    if (action !== "stop") {
      await host.installer.startAtBoot(name, true);
      await host.storage.ensureMounted(container.ownerId, name);
      await host.containers.start(name);
    }
  } catch (error) {
    const running = await host.machines.isRunning(name).catch(() => false);
    settle(running ? "running" : "stopped");
    audit("failed", failureOf(error));
    throw error;
  }
  const state = action === "stop" ? "stopped" : "running";
  settle(state);
  // Started by someone: the idle countdown begins now, not where it was when it stopped.
  if (state === "running") store.activity.active(name);
  audit("ok");
  tellOwner(
    deps,
    actor,
    container.ownerId,
    (who) => `${who} ${DONE[action]} your container ${name}.`,
  );
  return { name, state };
}

export const startContainer = (deps: WorkloadDeps, actor: Actor, input: NameInput) =>
  setPower(deps, actor, input, "start");
export const stopContainer = (
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
  stillWanted?: () => string | undefined,
) => setPower(deps, actor, input, "stop", stillWanted);
export const restartContainer = (deps: WorkloadDeps, actor: Actor, input: NameInput) =>
  setPower(deps, actor, input, "restart");
