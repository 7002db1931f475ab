import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alice, testWorkloads } from "../../support/test-workloads.js";

describe("reconcile", () => {
  it("rolls back a create that crashed before install", async () => {
    const t = await testWorkloads();
    // What a create leaves if the daemon dies during the build: row, workspace, staged files.
    const spec = {
      version: 1,
      name: "dev",
      owner: 1001,
      modules: ["workspace"],
      limits: { cpus: 1, memoryBytes: 2 ** 31, tasksMax: 4096 },
      workspace: { hostPath: "/tank/users/1001/containers/dev" },
      tailscale: null,
    } as const;
    t.store.containers.insert({
      name: "dev",
      ownerId: 1001,
      spec: { ...spec, modules: ["workspace"] },
      state: "creating",
    });
    await t.deps.host.storage.createWorkspace(1001, "dev");
    await t.deps.host.staging.writeSpec("dev", { name: "dev" });
    await t.deps.host.staging.stageTailscaleKey("dev", "key");
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual(["dev: create was interrupted before install; rolled back"]);
    expect(t.store.containers.find("dev")).toBeUndefined();
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([]);
    expect(existsSync(join(t.stateDir, "specs/dev.json"))).toBe(false);
    expect(existsSync(join(t.stateDir, "secrets/dev"))).toBe(false);
  });

  it("keeps a create that crashed after install, with its real state", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    t.store.containers.setState("dev", "creating"); // as if the daemon died before recording it
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual(["dev: create was interrupted after install; kept as running"]);
    expect(t.store.containers.find("dev")?.state).toBe("running");
  });

  it("finishes a destroy that crashed half-way, under the id it started with", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    t.host.injectFault({ command: "zfs rename", action: "fail" });
    await expect(
      t.workloads.confirmDestroy(
        alice,
        (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
      ),
    ).rejects.toThrow();
    const trashId = t.store.containers.find("dev")?.trashId;
    expect(t.store.containers.find("dev")?.state).toBe("destroying");
    t.host.clearFaults();
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual([
      `dev: destroy was interrupted; finished (workspace in trash as ${trashId})`,
    ]);
    expect(t.store.containers.find("dev")).toBeUndefined();
    expect(t.host.installed()).toEqual([]);
    expect(t.host.datasets()).toContain(`tank/users/1001/trash/${trashId}`);
    expect(t.store.trash.find(trashId as string)).toBeDefined();
  });

  it("finishes a destroy whose workspace had already moved to trash", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const begun = t.store.containers.beginDestroy("dev", "dev-20261123t000000");
    await t.deps.host.installer.uninstall("dev");
    await t.deps.host.storage.moveToTrash(1001, "dev", begun?.trashId as string);
    await t.workloads.reconcile();
    expect(t.store.trash.find("dev-20261123t000000")).toMatchObject({ containerName: "dev" });
    expect(t.store.containers.countAll()).toBe(0);
  });

  it("follows machinectl for running and stopped, and reports what it cannot repair", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(alice, { name: "web", modules: [] });
    await t.deps.host.containers.stop("dev"); // stopped behind voxnix's back
    await t.deps.host.installer.uninstall("web"); // removed behind voxnix's back
    await t.deps.host.storage.createWorkspace(2002, "stray");
    mkdirSync(join(t.stateDir, "specs"), { recursive: true });
    writeFileSync(join(t.stateDir, "specs/gone.json"), "{}");
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual([
      "dev: state running → stopped",
      "gone: removed staged files of a container that no longer exists",
    ]);
    expect(report.reported).toEqual([
      "web (owner 1001) is registered but not installed on the host",
      "workspace 2002/stray belongs to no container",
    ]);
    expect(t.store.containers.find("web")?.state).toBe("failed");
  });

  it("reports a container on the host that the registry does not know", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    t.store.containers.remove("dev");
    const report = await t.workloads.reconcile();
    expect(report.reported).toContain("container dev is on the host but not in the registry");
  });
});
