import { HOST_TOOLS } from "../../host/index.js";
import { formatSize } from "../../size.js";
import { isAdmin, type Actor } from "../primitives/actor.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { reconcile, type ReconcileReport } from "./reconcile.js";
import { Refusal } from "../primitives/refusal.js";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Host health for the admin: tools on PATH, container support, storage, and reconciliation. */
export async function doctor(
  deps: WorkloadDeps,
  actor: Actor,
): Promise<{ checks: Check[] } & ReconcileReport> {
  if (!isAdmin(actor)) throw new Refusal("not-allowed", "Only admins can run doctor.");
  const { host } = deps;
  const checks: Check[] = [];
  const zfsTools: readonly string[] = ["zfs", "zpool", "nsenter"];
  for (const tool of HOST_TOOLS.filter(
    (t) => !zfsTools.includes(t) || host.storage.backend === "zfs",
  )) {
    const found = host.locate(tool);
    checks.push({
      name: `${tool} on PATH`,
      ok: found !== undefined,
      detail: found ?? `not found on PATH (${host.runner.path})`,
    });
  }
  checks.push(
    await probe("container@.service template (boot.enableContainers)", async () => {
      if (!(await host.systemd.unitExists("container@.service")))
        throw new Error("missing: enable boot.enableContainers");
      return "present";
    }),
  );
  if (host.storage.backend === "zfs") {
    checks.push(
      await probe("host mount namespace (workspace mounts)", async () => {
        const [binary, ...args] = [...host.enterHostMounts, "true"];
        if (args.length === 0) return "zfs runs in the daemon's own, which is the host's";
        await host.runner.run([binary ?? "true", ...args], { timeoutMs: 10_000 });
        return `zfs runs there through ${host.enterHostMounts.join(" ")}`;
      }),
    );
    checks.push(
      await probe(`pool ${host.pool}`, async () => {
        const pool = await host.zpool.health(host.pool);
        const detail = `${pool.health}, ${formatSize(pool.freeBytes)} free of ${formatSize(pool.sizeBytes)}`;
        if (pool.health !== "ONLINE") throw new Error(`${detail}: run zpool status ${host.pool}`);
        if (pool.freeBytes < pool.sizeBytes * 0.1) throw new Error(`${detail}: under 10% free`);
        return detail;
      }),
    );
  }
  checks.push(
    await probe(`storage (${host.storage.backend})`, async () => {
      const spaces = await host.storage.scan();
      return `${spaces.size} user space${spaces.size === 1 ? "" : "s"}`;
    }),
  );
  // Never waits for operations in flight: they are listed as in progress.
  const reconciled = await reconcile(deps);
  const { repaired, reported, inProgress, failed } = reconciled;
  const problems = reported.length + failed.length;
  checks.push({
    name: "registry matches host",
    ok: problems === 0,
    detail:
      problems > 0
        ? `${problems} difference(s) need attention`
        : [
            repaired.length > 0 ? `repaired ${repaired.length}` : "in agreement",
            inProgress.length > 0 ? `${inProgress.length} operation(s) in progress` : undefined,
          ]
            .filter(Boolean)
            .join("; "),
  });
  return { checks, ...reconciled };
}

async function probe(name: string, check: () => Promise<string>): Promise<Check> {
  try {
    return { name, ok: true, detail: await check() };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
}
