import type { Config } from "../../config.js";
import { formatSize } from "../../size.js";
import type { ContainerModule } from "../../host/index.js";
import { Refusal } from "./refusal.js";
import { ContainerSpec, DEFAULT_TASKS_MAX, IMPLICIT_MODULES, type CreateInput } from "./spec.js";

export interface BuildSpecOptions {
  readonly request: ReturnType<typeof CreateInput.parse>;
  readonly ownerId: number;
  readonly modules: readonly ContainerModule[];
  readonly limits: Config["limits"];
  readonly hasTailscaleKey: boolean;
  readonly tailscaleKeyPath: string;
  readonly workspacePath: string;
}

/**
 * Turns a validated request into the container spec, applying the module library and the
 * admin's limits. Pure, so the Nix tests evaluate exactly what the daemon would write.
 *
 * @throws Refusal naming the unknown module, the limit, or the missing Tailscale key
 */
export function buildSpec(options: BuildSpecOptions): ContainerSpec {
  const { request, limits } = options;
  const known = options.modules.map((m) => m.name);
  const unknown = request.modules.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new Refusal(
      "invalid-input",
      `Unknown module${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. Available: ${known.join(", ")}.`,
    );
  }
  const duplicates = request.modules.filter((m, i) => request.modules.indexOf(m) !== i);
  if (duplicates.length > 0)
    throw new Refusal(
      "invalid-input",
      `Module listed twice: ${[...new Set(duplicates)].join(", ")}.`,
    );

  const cpus = request.cpus ?? limits.defaultCpus;
  const memoryBytes = request.memory ?? limits.defaultMemoryBytes;
  if (cpus > limits.maxCpus)
    throw new Refusal("limit", `At most ${limits.maxCpus} CPUs per container; ask for fewer.`);
  if (memoryBytes > limits.maxMemoryBytes) {
    throw new Refusal(
      "limit",
      `At most ${formatSize(limits.maxMemoryBytes)} of memory per container; ask for less.`,
    );
  }
  const wantsTailscale = request.modules.includes("tailscale");
  if (wantsTailscale && !options.hasTailscaleKey) {
    throw new Refusal(
      "unavailable",
      "Tailscale is not set up on this host (no auth key); create the container without it, or ask the admin.",
    );
  }
  const implicit = IMPLICIT_MODULES.filter((m) => known.includes(m));
  return ContainerSpec.parse({
    version: 1,
    name: request.name,
    owner: options.ownerId,
    modules: [...new Set([...implicit, ...request.modules])].sort(),
    limits: { cpus, memoryBytes, tasksMax: DEFAULT_TASKS_MAX },
    workspace: { hostPath: options.workspacePath },
    tailscale: wantsTailscale ? { authKeyFile: options.tailscaleKeyPath } : null,
  });
}
