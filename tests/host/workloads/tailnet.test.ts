// Each container's own Tailscale identity, through the admin's OAuth client, against a fake
// Tailscale API on loopback (tests/fakes/tailscale-api-server.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { TailscaleApiError } from "../../../src/host/index.js";
import { startTailscaleApi, type TailscaleApiServer } from "../../fakes/tailscale-api-server.js";
import { alice, testWorkloads, type TestWorkloads } from "../../support/test-workloads.js";

async function withTailnet(options: { allowedTags?: string[] } = {}) {
  const api = await startTailscaleApi(options);
  onTestFinished(() => api.close());
  const t = await testWorkloads({ tailnet: api, tailscaleKey: null });
  onTestFinished(() => assertNoApiSecrets(t, api));
  return { api, t };
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
const enrol = (t: TestWorkloads, api: TailscaleApiServer, name: string) =>
  api.enroll(stagedKey(t, name), name);

describe("a Tailscale identity per container", () => {
  it("mints a one-off, pre-authorized key tagged for the owner, which enrols exactly one device", async () => {
    const { api, t } = await withTailnet();
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    expect(api.keys()).toEqual([
      { id: expect.any(String), tags: ["tag:voxnix", "tag:voxnix-1001"], used: false },
    ]);
    expect(stagedKey(t, "dev")).toMatch(/^tskey-auth-/);
    expect(enrol(t, api, "dev")).toMatchObject({
      hostname: "dev",
      tags: ["tag:voxnix", "tag:voxnix-1001"],
    });
    // Spent: whoever reads the file inside the container cannot enrol anything with it.
    expect(() => enrol(t, api, "dev")).toThrow(/invalid key/);
    expect(api.requests()).toEqual([
      "POST /api/v2/oauth/token 200",
      "POST /api/v2/tailnet/-/keys 200",
    ]);
  });

  it("shows the node's tailnet name and address in info, stopped or running", async () => {
    const { api, t } = await withTailnet();
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      tailscaleName: undefined,
    });
    const device = enrol(t, api, "dev");
    await t.workloads.stop(alice, { name: "dev" });
    expect(await t.workloads.info(alice, { name: "dev" })).toMatchObject({
      state: "stopped",
      tailscaleName: device.name,
      tailscaleIp: device.addresses[0],
      ssh: "ssh root@dev",
    });
  });

  it("gives two containers two different keys", async () => {
    const { api, t } = await withTailnet();
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
    const { api, t } = await withTailnet();
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    enrol(t, api, "dev");
    if (stopFirst) await t.workloads.stop(alice, { name: "dev" });
    await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(api.devices()).toEqual([]);
  });

  it("rolls a create back cleanly, changing nothing, when the API refuses the key", async () => {
    const { api, t } = await withTailnet({ allowedTags: ["tag:voxnix"] }); // not the owner's tag
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
    const { api, t } = await withTailnet();
    t.host.injectFault({ command: "systemctl daemon-reload", nth: 1, action: "fail" });
    await expect(
      t.workloads.create(alice, { name: "dev", modules: ["tailscale"] }),
    ).rejects.toThrow();
    expect(api.keys()).toEqual([]);
    expect(t.store.containers.countAll()).toBe(0);
  });

  it("says so when Tailscale rate-limits, and leaves nothing behind", async () => {
    const { api, t } = await withTailnet();
    api.fail("/keys", 429);
    const error = (await t.workloads
      .create(alice, { name: "dev", modules: ["tailscale"] })
      .catch((e: unknown) => e)) as TailscaleApiError;
    expect(error.status).toBe(429);
    expect(error.userMessage).toMatch(/rate-limiting/);
    expect(t.store.containers.countAll()).toBe(0);
  });

  it("takes a new access token once when the API no longer accepts the old one", async () => {
    const { api, t } = await withTailnet();
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    api.fail("POST /api/v2/tailnet/-/keys", 401);
    await t.workloads.create(alice, { name: "web", modules: ["tailscale"] });
    expect(api.requests().filter((r) => r.includes("oauth/token"))).toHaveLength(2);
  });

  it("destroys anyway when the API is down, and maintenance deletes the device later", async () => {
    const { api, t } = await withTailnet();
    await t.workloads.create(alice, { name: "dev", modules: ["tailscale"] });
    const device = enrol(t, api, "dev");
    await t.workloads.create(alice, { name: "keep", modules: ["tailscale"] });
    enrol(t, api, "keep");
    api.fail("/devices", 503);
    const destroyed = await t.workloads.confirmDestroy(
      alice,
      (await t.workloads.requestDestroy(alice, { name: "dev" })).id,
    );
    expect(destroyed.trashId).toBeDefined(); // the workspace is safe in trash
    expect(
      t.logs.entries().some((e) => String(e.msg).includes("could not delete the tailnet device")),
    ).toBe(true);
    expect(
      api
        .devices()
        .map((d) => d.hostname)
        .sort(),
    ).toEqual(["dev", "keep"]);

    const report = await t.workloads.reconcile();
    expect(report.repaired).toContain(
      `tailnet device ${device.name} (${device.id}) belonged to no container; deleted`,
    );
    // Only the device whose container is gone: the living one keeps its identity.
    expect(api.devices().map((d) => d.hostname)).toEqual(["keep"]);
  });

  it("reports the API being down at reconcile as a failure to retry, not a repair", async () => {
    const { api, t } = await withTailnet();
    api.fail("/devices", 503);
    expect((await t.workloads.reconcile()).failed).toEqual([
      expect.stringMatching(
        /^tailnet devices: Tailscale API: listing devices answered 503: injected failure$/,
      ),
    ]);
  });
});
