import type { Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { admitContainer, planContainer, type Admission } from "./provision.js";
import type { CreateInput } from "./spec.js";

/**
 * Admits a create for the actor (or, for admins, for `owner`): refused here, synchronously, or
 * its name held until the admission runs (which builds and starts it) or is released.
 */
export function admitCreate(
  deps: WorkloadDeps,
  actor: Actor,
  input: CreateInput,
  options: { readonly ownerWithoutAccess?: boolean } = {},
): Admission {
  return admitContainer(deps, actor, planContainer(deps, actor, input, options));
}
