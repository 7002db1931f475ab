// The fake Tailscale API held to the facts in its header (tests/fakes/tailscale-api-server.ts),
// through voxnix's own client (src/host/tailscale-api.ts).
import { describe, expect, it, onTestFinished } from "vitest";
import { tailscaleApi } from "../../../src/host/tailscale-api.js";
import { Secret } from "../../../src/secret.js";
import { startTailscaleApi } from "../../fakes/tailscale-api-server.js";

async function withApi() {
  const server = await startTailscaleApi();
  onTestFinished(() => server.close());
  const api = tailscaleApi({
    apiUrl: server.url,
    clientId: server.clientId,
    clientSecret: new Secret(server.clientSecret),
    tailnet: "-",
  });
  return { server, api };
}

const TAGS = ["tag:voxnix", "tag:voxnix-1001"];

describe("fake Tailscale API", () => {
  it("answers a minted key's times, and calls a one-off key invalid once spent, then gone", async () => {
    const { server, api } = await withApi();
    const minted = await api.mintKey(TAGS, "voxnix dev");
    expect(minted.expiresAtMs - minted.createdAtMs).toBe(15 * 60_000);
    expect(await api.keyState(minted.id)).toBe("usable");
    server.enroll(minted.key.reveal(), "dev");
    expect(await api.keyState(minted.id)).toBe("gone"); // invalid: true
    await api.revokeKey(minted.id);
    expect(await api.keyState(minted.id)).toBe("gone"); // 404
    expect(server.requests()).toContain("GET /api/v2/tailnet/-/keys/" + minted.id + " 404");
  });

  it("gives each device a stable node id and its creation time, and finds it by either id", async () => {
    const { server, api } = await withApi();
    const minted = await api.mintKey(TAGS, "voxnix dev");
    const enrolled = server.enroll(minted.key.reveal(), "dev");
    expect(enrolled.nodeId).toMatch(/^n[0-9a-f]+CNTRL$/);
    expect(enrolled.id).toMatch(/^\d+$/);
    const [listed] = await api.devices();
    expect(listed).toMatchObject({
      id: enrolled.id,
      nodeId: enrolled.nodeId,
      createdAtMs: Date.parse(enrolled.created),
      tags: TAGS,
      isExternal: false,
    });
    expect(listed?.createdAtMs).toBeGreaterThanOrEqual(minted.createdAtMs);
    expect((await api.device(enrolled.id))?.nodeId).toBe(enrolled.nodeId);
    expect((await api.device(enrolled.nodeId))?.id).toBe(enrolled.id);
    await api.deleteDevice(enrolled.nodeId);
    expect(await api.device(enrolled.nodeId)).toBeUndefined();
    await api.deleteDevice(enrolled.nodeId); // gone already: not an error
  });

  it("filters devices by tag, and lets a node rename itself, its MagicDNS name following", async () => {
    const { server, api } = await withApi();
    const mine = server.addDevice({ hostname: "bdev", tags: ["tag:voxnix", "tag:voxnix-2002"] });
    const other = server.addDevice({ hostname: "adev", tags: TAGS });
    expect((await api.devices("tag:voxnix-1001")).map((d) => d.nodeId)).toEqual([other.nodeId]);
    expect((await api.devices("tag:voxnix")).length).toBe(2);
    const renamed = server.rename(other.nodeId, "bdev");
    expect(renamed).toMatchObject({ hostname: "bdev", name: "bdev-1.tail0fake.ts.net" });
    expect(mine.name).toBe("bdev.tail0fake.ts.net");
    expect(server.requests()).toContain("GET /api/v2/tailnet/-/devices 200");
  });

  it("answers a shared-in device with no creation time, and a misreported one as told", async () => {
    const { server, api } = await withApi();
    const shared = server.addDevice({ hostname: "x", tags: TAGS, isExternal: true });
    server.misreport(shared.nodeId, { nodeId: undefined });
    const [listed] = await api.devices();
    expect(listed?.id).toBe(shared.id);
    expect(listed?.isExternal).toBe(true);
    expect(listed?.nodeId).toBeUndefined();
    expect(listed?.createdAtMs).toBeUndefined();
  });
});
