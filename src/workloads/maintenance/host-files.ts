import { CONF_KEYS_UNSET, CONF_KEYS_WRITTEN } from "../../host/index.js";
import { SYSTEM_ACTOR } from "../primitives/actor.js";
import { hostSideOf } from "../primitives/addresses.js";
import { auditTrail, failureOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { beginOperation, type Lease } from "../primitives/lease.js";
import type { Container } from "../primitives/records.js";

/** The step a host-files lease records, so that a repair knows it changed nothing of the spec. */
export const HOST_FILES_STEP = "host-files";

export interface HostFilesReport {
  /** Containers whose conf or drop-in was rewritten, one sentence each, for the admins. */
  readonly updated: string[];
  /** A template voxnix was not written for, for the admins. */
  readonly reported: string[];
  readonly failed: string[];
}

const list = (keys: readonly string[]) => keys.join(", ");

/**
 * Holds the host side of every container to what this voxnix writes, on each reconcile pass
 * (so at start-up, and after a deploy that restarts the daemon or changes the host's template):
 *
 * - the host's `container@.service` template is asked which conf keys it reads; a key voxnix
 *   neither writes nor leaves unset on purpose (CONF_KEYS_UNSET), or one it writes that the
 *   template ignores, is told to the admins: containers would start other than voxnix says.
 * - each installed container's conf and drop-in are rendered again from the registry's spec,
 *   the system the conf boots and the container's address, and rewritten where they differ
 *   (a release that added a key, a DeviceAllow, a bind), under the container's lease so no
 *   operation installs it meanwhile. The system and the wants link are kept: nothing about
 *   what runs changes, and a stopped container stays stopped. A running one reads the new files
 *   at its next start, which is left to its owner: a restart ends their sessions.
 */
export async function checkHostFiles(
  deps: WorkloadDeps,
  rows: Iterable<Container>,
): Promise<HostFilesReport> {
  const { host } = deps;
  const report: HostFilesReport = { updated: [], reported: [], failed: [] };

  const reads = await host.templateConfKeys().catch(() => undefined);
  if (reads) {
    const written: readonly string[] = CONF_KEYS_WRITTEN;
    const unknown = [...reads].filter((key) => !written.includes(key) && !(key in CONF_KEYS_UNSET));
    const ignored = written.filter((key) => !reads.has(key));
    if (unknown.length > 0)
      report.reported.push(
        `the host's container@.service template reads ${list(unknown)}, which voxnix does not write: containers start with the template's default for ${unknown.length === 1 ? "it" : "them"}. This voxnix was written for the template of nixpkgs 24.11 (docs/architecture.md, When the host changes); update voxnix before relying on new containers`,
      );
    if (ignored.length > 0)
      report.reported.push(
        `the host's container@.service template no longer reads ${list(ignored)}, which voxnix writes into every container's conf: containers start without what ${ignored.length === 1 ? "it says" : "they say"} (docs/architecture.md, When the host changes)`,
      );
  }

  for (const row of rows) {
    if (row.state === "creating" || row.state === "destroying") continue;
    const systemPath = host.installer.installedSystem(row.name);
    // One without an address is reported by reconcile: it needs a new system, not new files.
    if (systemPath === undefined || host.installer.installedAddress(row.name) === undefined)
      continue;
    // A look first, without the lease: a pass over files that are up to date, as nearly every
    // one is, never makes a person's operation on the container wait or be refused as busy.
    const stale = await host.installer
      .refresh(await hostSideOf(deps, row.spec, systemPath), { write: false })
      .catch(() => undefined);
    if (stale && stale.conf.length + stale.dropIn.length === 0) continue;
    let lease: Lease;
    try {
      lease = beginOperation(deps, {
        kind: "reconfigure",
        container: row.name,
        ownerId: row.ownerId,
        actor: SYSTEM_ACTOR,
      });
    } catch {
      continue; // an operation holds it, and installs it with this voxnix's files
    }
    const audit = auditTrail(deps, {
      actor: SYSTEM_ACTOR,
      action: "host-files",
      target: row.name,
    });
    try {
      lease.made(HOST_FILES_STEP);
      const spec = deps.store.containers.find(row.name)?.spec ?? row.spec;
      const changed = await host.installer.refresh(await hostSideOf(deps, spec, systemPath));
      lease.end();
      if (changed.conf.length + changed.dropIn.length === 0) continue;
      audit("ok", { conf: changed.conf, dropIn: changed.dropIn });
      const running = await host.machines.isRunning(row.name).catch(() => false);
      report.updated.push(
        `${row.name} (owner ${row.ownerId}): its host files were brought up to date (${list([...changed.conf, ...changed.dropIn])}); ${running ? "it reads them at its next start" : "it starts with them"}`,
      );
    } catch (error) {
      lease.end();
      audit("failed", failureOf(error));
      report.failed.push(
        `${row.name}: could not bring its host files up to date: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return report;
}
