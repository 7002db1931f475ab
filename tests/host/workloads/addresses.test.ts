import Database from "better-sqlite3";
import { chownSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseContainerNetwork, type ContainerNetwork } from "../../../src/container-network.js";
import { createWorkloads, Refusal } from "../../../src/workloads/index.js";
import { alice, bob, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";

const asRoot = process.getuid?.() === 0;

/** What the conf tells nixos-containers' template about the container's link. */
const linkOf = (t: TestWorkloads, name: string) => {
  const conf = readFileSync(join(t.host.confDir, `${name}.conf`), "utf8");
  return {
    host: /^HOST_ADDRESS=(.*)$/m.exec(conf)?.[1],
    local: /^LOCAL_ADDRESS=(.*)$/m.exec(conf)?.[1],
    bridge: /^HOST_BRIDGE=/m.test(conf),
  };
};

const destroy = async (t: TestWorkloads, name: string) =>
  (await t.workloads.confirmDestroy(alice, (await t.workloads.requestDestroy(alice, { name })).id))
    .trashId as string;

describe("container addresses", () => {
  it("gives every installed container an address of its own, released only with its row", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    await t.workloads.create(bob, { name: "web", modules: [] });
    expect(linkOf(t, "dev")).toEqual({ host: "10.100.0.1", local: "10.100.0.2", bridge: false });
    expect(linkOf(t, "web")).toEqual({ host: "10.100.0.1", local: "10.100.0.3", bridge: false });

    // A change in place installs again, with the same address.
    await t.workloads.change(bob, { name: "web", add: ["fish"] });
    expect(linkOf(t, "web").local).toBe("10.100.0.3");

    const trashId = await destroy(t, "dev");
    expect(t.store.addresses.find("dev")).toBeUndefined();
    // Neither a new container nor the restored workspace gets the address dev had: fresh ones
    // come first.
    await t.workloads.create(alice, { name: "new", modules: [] });
    await t.workloads.restore(alice, { id: trashId, name: "back" });
    expect([linkOf(t, "new"), linkOf(t, "back")].map((l) => l.local)).toEqual([
      "10.100.0.4",
      "10.100.0.5",
    ]);
  });

  it.skipIf(!asRoot)("gives a fork an address of its own (needs root: real mounts)", async () => {
    const t = await testWorkloads({ settings: { realMounts: true } });
    await t.workloads.create(alice, { name: "dev", modules: [] });
    const base = t.store.containers.find("dev")?.spec.privateUsers?.base as number;
    // The fake chown records the workspace root's owner without changing it: do as the real one.
    chownSync(join(t.host.root, "tank/users/1001/containers/dev"), base, base);
    await t.workloads.fork(alice, { source: "dev", name: "twin" });
    expect(linkOf(t, "twin").local).toBe("10.100.0.3");
    expect(linkOf(t, "dev").local).toBe("10.100.0.2");
  });

  it("gives a container installed before addresses existed one at its next install", async () => {
    const t = await testWorkloads();
    await t.workloads.create(alice, { name: "dev", modules: [] });
    // As a voxnix from before wrote it: on the bridge, with no address in the registry.
    const conf = join(t.host.confDir, "dev.conf");
    writeFileSync(
      conf,
      readFileSync(conf, "utf8").replace(
        /^HOST_ADDRESS=.*\nLOCAL_ADDRESS=.*$/m,
        "HOST_BRIDGE=br-vox",
      ),
    );
    const db = new Database(join(t.stateDir, "voxnix.sqlite"));
    db.prepare("DELETE FROM container_addresses").run();
    db.close();
    expect(linkOf(t, "dev")).toEqual({ host: undefined, local: undefined, bridge: true });
    // Reconcile tells the admin, and changes nothing itself.
    expect((await t.workloads.reconcile()).reported).toEqual([
      expect.stringMatching(/^dev \(owner 1001\) was installed before containers had addresses/),
    ]);
    expect(linkOf(t, "dev").bridge).toBe(true);
    await t.workloads.change(alice, { name: "dev", add: ["fish"] });
    expect(linkOf(t, "dev")).toEqual({ host: "10.100.0.1", local: "10.100.0.2", bridge: false });
    expect(t.store.addresses.find("dev")).toBeDefined();
    expect((await t.workloads.reconcile()).reported).toEqual([]);
  });

  it("refuses a create when the network has no address left, and undoes it", async () => {
    const t = await testWorkloads();
    const small = parseContainerNetwork("10.100.0.0/29") as ContainerNetwork;
    const workloads = createWorkloads({ ...t.deps, containerNetwork: small });
    for (const name of ["a1", "a2", "a3"]) await workloads.create(alice, { name, modules: [] });
    for (const name of ["b1", "b2"]) await workloads.create(bob, { name, modules: [] });
    expect(linkOf(t, "b2")).toMatchObject({ host: "10.100.0.1", local: "10.100.0.6" });
    const full = workloads.create(bob, { name: "b3", modules: [] });
    await expect(full).rejects.toBeInstanceOf(Refusal);
    await expect(full).rejects.toThrow(/no address left/);
    expect(t.store.containers.find("b3")).toBeUndefined();
    expect(t.host.containerFiles().filter((f) => f.includes("b3"))).toEqual([]);
  });
});
