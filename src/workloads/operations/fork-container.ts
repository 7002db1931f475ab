import { z } from "zod";
import type { Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { beginOperation } from "../primitives/lease.js";
import { admitContainer, type Admission } from "../primitives/provision.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { settled, SNAPSHOT_REF, snapshotsOf } from "../primitives/workspace-snapshots.js";
import { containerName, type ContainerSpec } from "../primitives/spec.js";

export const ForkInput = z.object({
  source: containerName,
  name: containerName,
  snapshot: z
    .string()
    .regex(SNAPSHOT_REF, "a snapshot name is lowercase letters, digits and dashes")
    .optional(),
});
export type ForkInput = z.input<typeof ForkInput>;

/**
 * Admits `/fork SOURCE NEW [SNAPSHOT]`: a new container of SOURCE's owner with SOURCE's
 * modules and limits, whose workspace is a clone of a snapshot of SOURCE's (fork-workspace.ts),
 * in a user range of its own. Checked and claimed now, as a create is; SOURCE is held under a
 * snapshot lease from here until its workspace is cloned, so no destroy or rollback moves it
 * in between. ZFS only: a plain directory would be copied whole.
 */
export function admitFork(deps: WorkloadDeps, actor: Actor, input: ForkInput): Admission {
  const request = parseOrRefuse(ForkInput, input);
  snapshotsOf(deps, "Forks"); // refuses on directory storage, before anything is held
  if (request.name === request.source)
    throw new Refusal("invalid-input", "A fork needs a name of its own.");
  const [source, sourceLease] = deps.store.transaction(() => {
    const source = settled(deps, actor, request.source);
    // Its root is the host's root: one more such container is one too many.
    if (source.spec.privateUsers === null)
      throw new Refusal(
        "unavailable",
        `${source.name} was made before containers had users of their own, so a copy of it would run as the host's root. A container created anew has users of its own.`,
      );
    const lease = beginOperation(deps, {
      kind: "snapshot",
      container: source.name,
      ownerId: source.ownerId,
      actor,
    });
    return [source, lease] as const;
  });
  const planned: ContainerSpec = {
    ...source.spec,
    name: request.name,
    workspace: { hostPath: deps.host.storage.workspacePath(source.ownerId, request.name) },
    tailscale: source.spec.tailscale
      ? { authKeyFile: deps.host.staging.tailscaleKeyPath(request.name) }
      : null,
    // A range of its own, claimed with the name.
    privateUsers: undefined,
    forked: true,
  };
  let admission: Admission;
  try {
    admission = admitContainer(deps, actor, planned, {
      fromFork: { container: source, snapshot: request.snapshot, lease: sourceLease },
    });
  } catch (error) {
    sourceLease.end();
    throw error;
  }
  // The workspace step ends the source's lease; a run that never reaches it, or no run, here.
  return {
    ...admission,
    run: (options) => admission.run(options).finally(() => sourceLease.end()),
    release() {
      admission.release();
      sourceLease.end();
    },
  };
}
