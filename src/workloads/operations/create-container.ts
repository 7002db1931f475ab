import type { Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { admitContainer, planContainer, type Admission } from "../primitives/provision.js";
import type { CreateInput } from "../primitives/spec.js";

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
  // Planned first: planContainer validates the whole input, the lifetime too.
  const spec = planContainer(deps, actor, input, options);
  return admitContainer(deps, actor, spec, input.ttlMs ? { ttlMs: input.ttlMs } : {});
}
