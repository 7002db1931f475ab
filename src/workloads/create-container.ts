import type { Actor } from "./actor.js";
import type { OperationOptions, WorkloadDeps } from "./deps.js";
import { planContainer, provisionContainer, type CreateResult } from "./provision.js";
import type { CreateInput } from "./spec.js";

/** Creates and starts a container for the actor (or, for admins, for `owner`). */
export async function createContainer(
  deps: WorkloadDeps,
  actor: Actor,
  input: CreateInput,
  options: OperationOptions & { readonly ownerWithoutAccess?: boolean } = {},
): Promise<CreateResult> {
  const { ownerWithoutAccess, ...rest } = options;
  return provisionContainer(
    deps,
    actor,
    planContainer(deps, actor, input, ownerWithoutAccess ? { ownerWithoutAccess } : {}),
    rest,
  );
}
