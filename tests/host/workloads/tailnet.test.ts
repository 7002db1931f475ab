// Each container's own Tailscale identity, through the admin's OAuth client, against a fake
// Tailscale API on loopback (tests/fakes/tailscale-api-server.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { TailscaleApiError } from "../../../src/host/index.js";
import {
  startTailscaleApi,
  type FakeDevice,
  type TailscaleApiServer,
} from "../../fakes/tailscale-api-server.js";
import { alice, bob, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";
import type { Actor } from "../../../src/workloads/index.js";

async function withTailnet(options: { allowedTags?: string[] } = {}) {
  const api = await startTailscaleApi(options);
  onTestFinished(() => api.close());
  const t = await testWorkloads({ tailnet: api, tailscaleKey: null });
  onTestFinished(() => assertNoApiSecrets(t, api));
  return { api, t, said: reportedNodeIds(t) };
}

/**
 * What each container's tailscaled says its node id is (`tailscale status --self --json`,
 * Self.ID): the tenant's word, so a test may make it lie. Stands in for the in-container path,
 * which the fake host does not enrol through (enrolment is the fake API's `enroll()`); `enrol`
 * below makes it tell the truth.
 */
function reportedNodeIds(t: TestWorkloads): Map<string, string> {
  const said = new Map<string, string>();
  const host = t.deps.host as { tailscale: TestWorkloads["deps"]["host"]["tailscale"] };
  host.tailscale = {
    ...host.tailscale,
    node: async (name) => {
      const nodeId = said.get(name);
      return nodeId ? { dnsName: `${name}.tail0fake.ts.net`, ip: undefined, nodeId } : undefined;
    },
  };
  return said;
}

/** No client secret, access token or minted key in any log line or in the API's request log. */
function assertNoApiSecrets(t: TestWorkloads, api: TailscaleApiServer) {
  const secrets = [api.clientSecret, ...api.mintedKeyValues()];
  const text = [...t.logs.lines(), ...api.requests(), ...t.host.commandLines()].join("\n");
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/tskey-api-/);
}

const stagedKey = (t: TestWorkloads, name: string) =>
  readFileSync(join(t.stateDir, "secrets", name, "tailscale-auth-key"), "utf8");

/** What the container's tailscaled does with the key file at boot: enrol once. */
function enrol(
  { t, api, said }: { t: TestWorkloads; api: TailscaleApiServer; said: Map<string, string> },
  name: string,
) {
  const device = api.enroll(stagedKey(t, name), name);
  said.set(name, device.nodeId);
  return device;
}

const OWNER_TAGS = ["tag:voxnix", "tag:voxnix-1001"];

async function destroy(t: TestWorkloads, actor: Actor, name: string) {
  return t.workloads.confirmDestroy(actor, (await t.workloads.requestDestroy(actor, { name })).id);
}

describe("a Tailscale identity per container", () => {
  it("mints a one-off, pre-authorized key tagged for the owner, which enrols exactly one device", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    expect(api.keys()).toEqual([
      { id: expect.any(String), tags: ["tag:voxnix", "tag:voxnix-1001"], used: false },
    ]);
    expect(stagedKey(t, "dev")).toMatch(/^tskey-auth-/);
    expect(enrol(tn, "dev")).toMatchObject({
      hostname: "dev",
      tags: ["tag:voxnix", "tag:voxnix-1001"],
    });
    // Spent: whoever reads the file inside the container cannot enrol anything with it.
    expect(() => enrol(tn, "dev")).toThrow(/invalid key/);
    expect(api.requests()).toEqual([
      "POST /api/v2/oauth/token 200",
      "POST /api/v2/tailnet/-/keys 200",
    ]);
  });

  it("shows the node's tailnet name and address in info, stopped or running", async () => {
    const tn = await withTailnet();
    const { t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: undefined,
    });
    const device = enrol(tn, "dev");
    await t.workloads.stop(alice, { name: "dev" });
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      state: "stopped",
      tailscaleName: device.name,
      tailscaleIp: device.addresses[0],
      ssh: `ssh root@${device.addresses[0]}`,
    });
  });

  it("gives two containers two different keys", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    await t.workloads.create(alice, { name: "web", modules: ["tailscale"] });
    expect(stagedKey(t, "dev")).not.toBe(stagedKey(t, "web"));
    // One access token serves both: it is kept until shortly before it expires.
    expect(api.requests().filter((r) => r.includes("oauth/token"))).toHaveLength(1);
  });

  it.each([
    ["running", false],
    ["stopped", true],
  ])("deletes the device of a %s container when it is destroyed", async (_, stopFirst) => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    enrol(tn, "dev");
    if (stopFirst) await t.workloads.stop(alice, { name: "dev" });
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(api.devices()).toEqual([]);
  });

  it("rolls a create back cleanly, changing nothing, when the API refuses the key", async () => {
    const tn = await withTailnet({ allowedTags: ["tag:voxnix"] });
    const { api, t } = tn; // not the owner's tag
    const error = await t.workloads
      .create(alice, { name: "dev", modules: ["tailscale"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TailscaleApiError);
    expect((error as TailscaleApiError).message).toContain(
      "requested tags [tag:voxnix-1001] are invalid or not permitted",
    );
    expect(t.store.containers.countAll()).toBe(0);
    expect(t.host.installed()).toEqual([]);
    expect(t.host.containerFiles()).toEqual([]);
    expect(t.host.datasets().filter((d) => d.includes("/containers/"))).toEqual([]);
    expect(api.keys()).toEqual([]);
  });

  it("revokes the minted key when the create fails after minting it", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    t.host.injectFault({ command: "systemctl daemon-reload", nth: 1, action: "fail" });
    await expect(
      t.workloads.create(alice, { name: "dev", modules: ["tailscale"] }),
    ).rejects.toThrow();
    expect(api.keys()).toEqual([]);
    expect(t.store.containers.countAll()).toBe(0);
  });

  it("says so when Tailscale rate-limits, and leaves nothing behind", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    api.fail("/keys", 429);
    const error = (await t.workloads
      .create(alice, { name: "dev", modules: ["tailscale"] })
      .catch((e: unknown) => e)) as TailscaleApiError;
    expect(error.status).toBe(429);
    expect(error.userMessage).toMatch(/rate-limiting/);
    expect(t.store.containers.countAll()).toBe(0);
  });

  it("takes a new access token once when the API no longer accepts the old one", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    api.fail("POST /api/v2/tailnet/-/keys", 401);
    await t.workloads.create(alice, { name: "web", modules: ["tailscale"] });
    expect(api.requests().filter((r) => r.includes("oauth/token"))).toHaveLength(2);
  });

  it("destroys anyway when the API is down, and maintenance deletes the device later, renamed or not", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const device = enrol(tn, "dev");
    await t.workloads.create(alice, { name: "keep", modules: ["tailscale"] });
    const kept = enrol(tn, "keep");
    // The tenant names its node after a living container, as if it were that one's.
    const renamed = api.rename(device.nodeId, "keep");
    api.fail("/devices", 503);
    const destroyed = await destroy(t, alice, "dev");
    expect(destroyed.trashId).toBeDefined(); // the workspace is safe in trash
    expect(
      t.logs.entries().some((e) => String(e.msg).includes("could not delete the tailnet device")),
    ).toBe(true);
    expect(api.devices()).toHaveLength(2);

    const report = await t.workloads.reconcile();
    expect(report.repaired).toContain(
      `tailnet device ${renamed.name} (${device.nodeId}) belonged to no container; deleted`,
    );
    // Only the device whose container is gone: the living one keeps its identity.
    expect(api.devices().map((d) => d.nodeId)).toEqual([kept.nodeId]);
    expect(t.store.tailnetBindings.listAll()).toEqual([
      expect.objectContaining({ container: "keep", nodeId: kept.nodeId }),
    ]);
  });

  it("reports the API being down at reconcile as a failure to retry, not a repair", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    api.fail("/devices", 503);
    expect((await t.workloads.reconcile()).failed).toEqual([
      expect.stringMatching(
        /^tailnet devices: Tailscale API: listing devices answered 503: injected failure$/,
      ),
    ]);
  });
});

describe("binding a tailnet device to its container", () => {
  it("never takes a node renamed after another user's container for it, and deletes the node at its own destroy", async () => {
    const tn = await withTailnet();
    const { api, t, said } = tn;
    await t.workloads.create(alice, { name: "adev", modules: ["tailscale"] });
    const alices = enrol(tn, "adev");
    // Alice's root renames her node after Bob's container before his enrols, and her
    // tailscaled claims his node id too.
    api.rename(alices.nodeId, "bdev");
    await t.workloads.create(bob, { name: "bdev", modules: ["tailscale"] });
    const bobs = enrol(tn, "bdev");
    said.set("adev", bobs.nodeId);
    expect(bobs.name).toBe("bdev-1.tail0fake.ts.net"); // hers holds "bdev" in MagicDNS

    expect(await t.workloads.info(bob, { name: "bdev" })).toMatchObject({
      tailscaleName: bobs.name,
      tailscaleIp: bobs.addresses[0],
      ssh: `ssh root@${bobs.addresses[0]}`,
    });
    expect(await t.workloads.info(alice, { name: "adev" })).toMatchObject({
      tailscaleName: "bdev.tail0fake.ts.net",
      tailscaleIp: alices.addresses[0],
    });

    await destroy(t, alice, "adev");
    expect(api.devices().map((d) => d.nodeId)).toEqual([bobs.nodeId]);
    // Spent at enrolment, so not revoked again; and nothing of hers is left to sweep.
    expect((await t.workloads.reconcile()).repaired).toEqual([]);
    expect(api.devices().map((d) => d.nodeId)).toEqual([bobs.nodeId]);
    expect(t.store.tailnetBindings.listAll()).toEqual([
      expect.objectContaining({ container: "bdev", ownerId: bob.userId, nodeId: bobs.nodeId }),
    ]);
  });

  it("tells two of one owner's containers enrolling at once apart by their own word, never across owners", async () => {
    const tn = await withTailnet();
    const { api, t, said } = tn;
    for (const [actor, name] of [
      [alice, "one"],
      [alice, "two"],
      [bob, "three"],
      [bob, "four"],
    ] as const)
      await t.workloads.create(actor, { name, modules: ["tailscale"] });
    const [one, two, three, four] = ["one", "two", "three", "four"].map((name) =>
      enrol(tn, name),
    ) as [FakeDevice, FakeDevice, FakeDevice, FakeDevice];
    said.clear(); // no container has said anything yet

    // Each owner's two keys overlap in time: without a word from inside, nothing is bound, and
    // the sweep takes none of them for stale.
    expect((await t.workloads.reconcile()).repaired).toEqual([]);
    expect(api.devices()).toHaveLength(4);
    expect(t.store.tailnetBindings.listAll().filter((b) => b.nodeId)).toEqual([]);

    // Bob's container claims Alice's node: not among his candidates, so it binds nothing.
    said.set("three", one.nodeId);
    await t.workloads.reconcile(); // sees every owner's devices at once
    expect(await t.workloads.info(bob, { name: "three" })).toMatchObject({
      tailscaleName: undefined,
    });
    expect(t.store.tailnetBindings.find("three")?.nodeId).toBeUndefined();
    said.set("three", three.nodeId);
    expect(await t.workloads.info(bob, { name: "three" })).toMatchObject({
      tailscaleName: three.name,
    });
    // Bob's other key is alone now, with one candidate left: bound without asking.
    expect(await t.workloads.info(bob, { name: "four" })).toMatchObject({
      tailscaleName: four.name,
    });

    said.set("two", two.nodeId);
    const report = await t.workloads.reconcile();
    expect(report.repaired).toEqual([]);
    expect(
      Object.fromEntries(t.store.tailnetBindings.listAll().map((b) => [b.container, b.nodeId])),
    ).toEqual({
      one: one.nodeId,
      two: two.nodeId,
      three: three.nodeId,
      four: four.nodeId,
    });
    expect(await t.workloads.info(alice, { name: "one" })).toMatchObject({
      tailscaleIp: one.addresses[0],
    });
  });

  it("leaves a device two of the owner's keys could have enrolled to the container's word, and spares it at the other's destroy", async () => {
    const tn = await withTailnet();
    const { api, t, said } = tn;
    await t.workloads.create(alice, { name: "one", modules: ["tailscale"] }); // never enrols
    await t.workloads.create(alice, { name: "two", modules: ["tailscale"] });
    const two = enrol(tn, "two");
    said.clear();
    expect(await t.workloads.info(alice, { name: "two" })).toMatchObject({
      tailscaleName: undefined,
    });
    expect((await t.workloads.reconcile()).repaired).toEqual([]);
    // "one" goes, its unspent key revoked; the device was "two"'s to claim, so it stays.
    await destroy(t, alice, "one");
    expect(api.devices().map((d) => d.nodeId)).toEqual([two.nodeId]);
    expect(api.keys().map((k) => k.used)).toEqual([true]);
    expect(await t.workloads.info(alice, { name: "two" })).toMatchObject({
      tailscaleName: two.name,
    });
  });

  it("never binds a device created outside the key's window, or shared in", async () => {
    const tn = await withTailnet();
    const { api, t, said } = tn;
    const before = api.addDevice({
      hostname: "dev",
      tags: OWNER_TAGS,
      createdAtMs: Date.now() - 3_600_000,
    });
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const after = api.addDevice({
      hostname: "dev",
      tags: OWNER_TAGS,
      createdAtMs: Date.now() + 20 * 60_000, // past the key's 15 minutes and the skew
    });
    const shared = api.addDevice({ hostname: "dev", tags: OWNER_TAGS, isExternal: true });
    for (const device of [before, after, shared]) {
      said.set("dev", device.nodeId); // even when the container claims it
      expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
        tailscaleName: undefined,
      });
    }
    expect(t.store.tailnetBindings.find("dev")?.nodeId).toBeUndefined();

    const own = enrol(tn, "dev");
    said.clear();
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: own.name,
    });
    // voxnix's tag, no container's: stale. The shared-in device is not voxnix's to delete.
    await t.workloads.reconcile();
    expect(
      api
        .devices()
        .map((d) => d.nodeId)
        .sort(),
    ).toEqual([own.nodeId, shared.nodeId].sort());
  });

  it("keeps its bindings across a restart of the daemon", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const device = enrol(tn, "dev");
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: device.name,
    });

    const again = await testWorkloads({
      tailnet: api,
      tailscaleKey: null,
      reuse: { host: t.host, stateDir: t.stateDir },
    });
    // A second device of Alice's inside the key's window: unbound, "dev" could not be told apart.
    api.addDevice({ hostname: "dev", tags: OWNER_TAGS });
    api.rename(device.nodeId, "renamed");
    expect(await again.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: "renamed.tail0fake.ts.net",
      tailscaleIp: device.addresses[0],
    });
    await destroy(again, alice, "dev");
    expect(api.devices().some((d) => d.nodeId === device.nodeId)).toBe(false);
  });

  it("changes nothing on an answer without a node id or a creation time", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const device = enrol(tn, "dev");
    for (const patch of [{ nodeId: undefined }, { created: "" }]) {
      api.misreport(device.nodeId, { nodeId: device.nodeId, created: device.created, ...patch });
      expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
        tailscaleName: undefined,
      });
      expect((await t.workloads.reconcile()).repaired).toEqual([]);
      expect(api.devices()).toHaveLength(1);
      expect(t.store.tailnetBindings.find("dev")?.nodeId).toBeUndefined();
    }
    api.misreport(device.nodeId, { nodeId: device.nodeId, created: device.created });
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: device.name,
    });
  });

  it("refuses a minted key whose answer has no times, and revokes it", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    api.misreportKeys({ created: "" });
    await expect(
      t.workloads.create(alice, { name: "dev", modules: ["tailscale"] }),
    ).rejects.toThrow(/no usable created and expires times/);
    expect(api.keys()).toEqual([]);
    expect(t.store.containers.countAll()).toBe(0);
    expect(t.store.tailnetBindings.listAll()).toEqual([]);
  });

  it("deletes a bound device by its node id once the API is back, whatever it is called", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const device = enrol(tn, "dev");
    await t.workloads.info(alice, { name: "dev" }); // binds it
    api.rename(device.nodeId, "web");
    api.fail("/devices", 503);
    await destroy(t, alice, "dev");
    // A new container of the name the old node took: the old binding is not its.
    await t.workloads.create(alice, { name: "web", modules: ["tailscale"] });
    const web = enrol(tn, "web");
    expect((await t.workloads.reconcile()).repaired).toEqual([
      `tailnet device ${device.nodeId} was dev's, which is gone; deleted`,
    ]);
    expect(api.devices().map((d) => d.nodeId)).toEqual([web.nodeId]);
    expect(t.store.tailnetBindings.listAll()).toEqual([
      expect.objectContaining({ container: "web", nodeId: web.nodeId }),
    ]);
  });

  it("revokes a key still unspent when its container is destroyed", async () => {
    const tn = await withTailnet();
    const { api, t } = tn;
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const key = stagedKey(t, "dev");
    await destroy(t, alice, "dev");
    expect(api.keys()).toEqual([]);
    expect(() => api.enroll(key, "dev")).toThrow(/invalid key/);
    expect(t.store.tailnetBindings.listAll()).toEqual([]);
  });
});
