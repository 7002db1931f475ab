import type { Container } from "./records.js";
import type { WorkloadDeps } from "./deps.js";
import type { Lease } from "./lease.js";

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
  // Leave the tailnet while the container can still run the command; a stopped one cannot.
  if (
    container.spec.tailscale &&
    (await host.machines.isRunning(container.name).catch(() => false))
  ) {
    await host.tailscale
      .logout(container.name)
      .catch((error: unknown) =>
        deps.log.warn(
          { err: error, container: container.name },
          "tailscale logout failed; remove the node in the admin console",
        ),
      );
  }
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
      });
    store.containers.remove(container.name);
    lease.end();
  });
  return trashed ? trashId : undefined;
}
