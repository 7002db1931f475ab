import { isAdmin, type Actor } from "./actor.js";
import type { WorkloadDeps } from "./deps.js";
import { Refusal } from "./refusal.js";

export interface Usage {
  readonly userId: number;
  readonly quotaBytes: number | undefined;
  readonly usedBytes: number;
  readonly availableBytes: number | undefined;
  readonly containers: readonly { readonly name: string; readonly bytes: number }[];
  readonly trash: readonly { readonly id: string; readonly bytes: number }[];
}

/** Storage used by a user (the actor, or anyone for admins): quota, per container, trash. */
export async function usage(
  deps: WorkloadDeps,
  actor: Actor,
  options: { userId?: number } = {},
): Promise<Usage> {
  const userId = options.userId ?? actor.userId;
  if (userId !== actor.userId && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only admins can see someone else's usage.");
  const space = (await deps.host.storage.scan()).get(userId);
  return {
    userId,
    quotaBytes: space?.quotaBytes,
    usedBytes: space?.usedBytes ?? 0,
    availableBytes: space?.availableBytes,
    containers: [...(space?.workspaces ?? [])].map(([name, bytes]) => ({ name, bytes })),
    trash: [...(space?.trash ?? [])].map(([id, bytes]) => ({ id, bytes })),
  };
}
