import { findUnpushedWork, type UnpushedReport } from "../../host/index.js";
import type { Container } from "../primitives/records.js";
import { authorize, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf } from "../primitives/audit.js";
import { requestConfirmation, sameContainer } from "../primitives/confirmations.js";
import type { OperationOptions, WorkloadDeps } from "../primitives/deps.js";
import { finishDestroy, freeTrashId } from "../primitives/destroy-steps.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import { tellOwner } from "../primitives/notify.js";
import { parseOrRefuse } from "../primitives/refusal.js";
import { NameInput } from "../primitives/spec.js";

/** How long a destroy confirmation stays valid. */
export const CONFIRMATION_TTL_MS = 5 * 60_000;

export interface ConfirmationRequest {
  /** Opaque; only the requesting user can confirm it, once, before `expiresAtMs`. */
  readonly id: string;
  readonly action: "destroy";
  readonly target: string;
  readonly expiresAtMs: number;
  /** Days the workspace will stay restorable after the destroy. */
  readonly keptDays: number;
  /** Work in the workspace that exists nowhere else; undefined when it could not be looked at. */
  readonly unpushed: UnpushedReport | undefined;
}

export interface DestroyResult {
  readonly name: string;
  readonly trashId: string | undefined;
  /** Days the workspace stays restorable. */
  readonly keptDays: number;
}

/**
 * Asks to destroy a container. Nothing is destroyed here: the result is a pending action that
 * only this user can confirm (a button press, or the CLI's prompt), never the LLM. It says what
 * of the workspace was never pushed anywhere, so the question is asked knowing what is at stake.
 */
export async function requestDestroy(
  deps: WorkloadDeps,
  actor: Actor,
  input: NameInput,
): Promise<ConfirmationRequest> {
  const { name } = parseOrRefuse(NameInput, input);
  const container = authorize(actor, name, deps.store.containers.find(name));
  const unpushed = await findUnpushedWork(
    deps.host.storage.workspacePath(container.ownerId, name),
  ).catch((error: unknown) => {
    // Not mounted (a stopped container's dataset after a reboot) is no fault: nothing to read.
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    deps.log[missing ? "debug" : "warn"](
      { err: error, container: name },
      "could not look for unpushed work",
    );
    // Anything else is a look that did not happen: the card must not read as "nothing there".
    return missing ? undefined : { repos: [], complete: false };
  });
  const pending = requestConfirmation(deps, {
    userId: actor.userId,
    kind: "destroy",
    target: name,
    container,
    ttlMs: CONFIRMATION_TTL_MS,
  });
  return {
    id: pending.id,
    action: "destroy",
    target: name,
    expiresAtMs: pending.expiresAtMs,
    keptDays: deps.limits.trashDays,
    unpushed,
  };
}

/**
 * Destroys a container, keeping its workspace in the owner's trash. The lease, the state
 * "destroying" and the trash id are written in one transaction before the first host step, so
 * a destroy that is interrupted, or fails half-way, is finished by reconcile under the same id.
 */
export async function destroyContainer(
  deps: WorkloadDeps,
  actor: Actor,
  name: string,
  options: Pick<OperationOptions, "report"> & { readonly incarnation?: number | undefined } = {},
): Promise<DestroyResult> {
  const { store } = deps;
  const [begun, lease] = store.transaction((): [Container, Lease] => {
    const container = sameContainer(
      authorize(actor, name, store.containers.find(name)),
      options.incarnation,
    );
    const lease = beginOperation(deps, {
      kind: "destroy",
      container: name,
      ownerId: container.ownerId,
      actor,
      report: options.report,
    });
    const begun = store.containers.beginDestroy(name, freeTrashId(deps, name));
    return [begun as Container, lease];
  });
  const audit = auditTrail(deps, { actor, action: "destroy", target: name });
  try {
    const trashId = await finishDestroy(deps, begun, lease);
    audit("ok", { trashId: trashId ?? null });
    tellOwner(deps, actor, begun.ownerId, (who) =>
      trashId
        ? `${who} destroyed your container ${name}. Its workspace is in your trash as ${trashId} for ${deps.limits.trashDays} days; /restore ${trashId} brings it back.`
        : `${who} destroyed your container ${name}.`,
    );
    return { name, trashId, keptDays: deps.limits.trashDays };
  } catch (error) {
    // Half-way: reconcile finishes it, with backoff; nothing else may touch it meanwhile.
    lease.abandon();
    audit("failed", { ...failureOf(error), owner: begun.ownerId });
    deps.log.warn({ err: error, container: name }, "destroy failed; left to reconcile");
    throw error;
  }
}
