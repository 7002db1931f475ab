import { z } from "zod";
import type { ContainerTerminal } from "../../host/container-exec.js";
import { authorize, isAdmin, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf, outcomeOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import { containerName } from "../primitives/spec.js";
import { accessOf } from "../primitives/users.js";

const TerminalInput = z.object({
  name: containerName,
  /** An admin's explicit step into someone else's container; audited as such. */
  asAdmin: z.boolean().default(false),
});
export type TerminalInput = z.input<typeof TerminalInput>;

/** A terminal the actor may open now, and what its holder asks while it is open. */
export interface TerminalGrant {
  readonly name: string;
  /** Starts the shell, as the container's root in its user namespace (host.inside). */
  open(size: { cols: number; rows: number }): Promise<ContainerTerminal>;
  /** Typing is use: the idle policy's countdown for the container starts again. */
  used(): void;
  /**
   * Whether the session may go on: the actor still has access, the container is still there,
   * running, and theirs (or the admin still an admin who asked). Cheap: two store reads.
   */
  stillAllowed(): boolean;
}

/**
 * A shell in one of the actor's running containers. An admin opens someone else's only with
 * `asAdmin`, which the audit records with the owner: an admin's ordinary requests never land in
 * a tenant's shell by accident. Opening counts as use (policy/idle.ts).
 */
export function openTerminal(
  deps: WorkloadDeps,
  actor: Actor,
  input: TerminalInput,
): TerminalGrant {
  const { name, asAdmin } = parseOrRefuse(TerminalInput, input);
  const audit = auditTrail(deps, { actor, action: "terminal", target: name });
  const found = deps.store.containers.find(name);
  const someoneElses = found !== undefined && found.ownerId !== actor.userId;
  try {
    if (someoneElses && isAdmin(actor) && !asAdmin)
      throw new Refusal(
        "not-allowed",
        `${name} belongs to someone else: opening a shell in it is a separate, audited step for admins.`,
        { name },
      );
    const container = authorize(actor, name, found);
    if (container.state !== "running")
      throw new Refusal("conflict", `${name} is not running: start it first.`, { name });
  } catch (error) {
    audit(outcomeOf(error), failureOf(error));
    throw error;
  }
  audit("ok", someoneElses ? { asAdmin: true, owner: found.ownerId } : undefined);
  const used = () => {
    if (!deps.store.activity.find(name))
      deps.store.activity.sample(name, { cpuNs: undefined, workspaceBytes: undefined });
    deps.store.activity.active(name);
  };
  used();
  return {
    name,
    open: (size) => deps.host.inside.terminal(name, size),
    used,
    stillAllowed: () => {
      const role = accessOf(deps, actor.userId);
      const container = deps.store.containers.find(name);
      if (role === undefined || container?.state !== "running") return false;
      return container.ownerId === actor.userId || (role === "admin" && asAdmin);
    },
  };
}
