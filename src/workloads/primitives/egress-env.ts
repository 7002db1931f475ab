import type { WorkloadDeps } from "./deps.js";
import { secretKind, type SecretKindName } from "./secret-kinds.js";

/**
 * The egress environment of `container`: for each secret it may use, the proxy's URL for it
 * (`VOXNIX_SECRET_<NAME>_URL`) and, for a kind from the catalogue, the variables its usual
 * client reads (ANTHROPIC_BASE_URL and a placeholder key …), the first secret by name winning
 * when two are of one kind. No value: the proxy injects it on the way out.
 */
export function egressEnvironment(deps: WorkloadDeps, container: string): string {
  const proxyUrl = deps.secrets?.proxyUrl ?? "";
  const lines = [
    "# Written by voxnix: the host's egress proxy injects each secret's value; none is here.",
    `VOXNIX_EGRESS_URL=${proxyUrl}`,
  ];
  const seen = new Set<string>();
  for (const secret of deps.store.secrets.usedBy(container)) {
    const url = `${proxyUrl}/${secret.name}`;
    lines.push(`VOXNIX_SECRET_${secret.name.toUpperCase().replaceAll("-", "_")}_URL=${url}`);
    for (const [variable, value] of Object.entries(secretKind(secret.kind as SecretKindName).env)) {
      if (seen.has(variable)) continue;
      seen.add(variable);
      lines.push(`${variable}=${value.replace("{url}", url)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Rewrites `container`'s egress environment (a no-op on a host without secrets). */
export async function writeEgressEnvironment(deps: WorkloadDeps, container: string) {
  await deps.secrets?.envFiles.write(container, egressEnvironment(deps, container));
}
