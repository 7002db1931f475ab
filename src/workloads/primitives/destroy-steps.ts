import { trashIdFor } from "../../host/index.js";
import type { Container } from "./records.js";
import type { WorkloadDeps } from "./deps.js";
import type { Lease } from "./lease.js";
import { firstUnused } from "./free-name.js";
import { forgetDevice } from "./tailnet.js";
import { keptOf } from "./trash-record.js";

/**
 * The steps of a destroy that has begun (state "destroying", trash id fixed), each idempotent,
 * so that the destroy itself and reconcile's repair of an interrupted one run the same code:
 * leave the tailnet, remove the container, move the workspace to trash, then in one transaction
 * record the trash entry, drop the row and end the lease. Returns the trash id if a workspace
 * was kept.
 */
export async function finishDestroy(
  deps: WorkloadDeps,
  container: Container,
  lease: Lease,
): Promise<string | undefined> {
  const { host, store } = deps;
  const trashId = container.trashId;
  if (trashId === undefined) throw new Error(`${container.name}: destroy has no trash id`);
  if (container.spec.tailscale) await leaveTailnet(deps, container.name);
  await host.installer.uninstall(container.name);
  const space = (await host.storage.scan()).get(container.ownerId);
  const hasWorkspace = space?.workspaces.has(container.name) ?? false;
  if (hasWorkspace) await host.storage.moveToTrash(container.ownerId, container.name, trashId);
  const trashed = hasWorkspace || (space?.trash.has(trashId) ?? false);
  await host.staging.remove(container.name);
  store.transaction(() => {
    if (trashed)
      store.trash.add({
        id: trashId,
        ownerId: container.ownerId,
        containerName: container.name,
        spec: container.spec,
        kept: keptOf(deps, container.name),
      });
    store.containers.remove(container.name);
    lease.end();
  });
  return trashed ? trashId : undefined;
}

/**
 * Takes the container's node out of the tailnet. Through the API (an OAuth client) whether the
 * container runs or not; if that fails the destroy goes on, and maintenance deletes the device
 * later as one that belongs to no container. With only a static key, a running container logs
 * itself out; a stopped one cannot, and the admin is told to remove it.
 */
async function leaveTailnet(deps: WorkloadDeps, name: string) {
  try {
    if (await forgetDevice(deps, name)) return;
  } catch (error) {
    deps.log.warn(
      { err: error, container: name },
      "could not delete the tailnet device; maintenance retries",
    );
    return;
  }
  const running = await deps.host.machines.isRunning(name).catch(() => false);
  const logout = running
    ? deps.host.tailscale.logout(name).then(() => true)
    : Promise.resolve(false);
  const loggedOut = await logout.catch((error: unknown) => {
    deps.log.warn({ err: error, container: name }, "tailscale logout failed");
    return false;
  });
  if (!loggedOut)
    deps.log.warn(
      { container: name },
      "its node stays in the tailnet: remove it in the admin console",
    );
}

/**
 * A trash id for `name` that no trash entry has: ids name the second, and the same name can be
 * destroyed, created and destroyed again within one (a fixed id would then collide forever).
 */
export function freeTrashId(deps: WorkloadDeps, name: string): string {
  return firstUnused(trashIdFor(name, new Date(deps.now())), (id) => !!deps.store.trash.find(id));
}
