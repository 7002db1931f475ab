// The Mini App's server over the real workloads service and a fake host: identity from initData
// only, every answer from workloads, security headers, and the terminal socket's refusals.
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { INIT_DATA_MAX_AGE_MS } from "../../src/web/init-data.js";
import { CLOSE } from "../../src/web/terminal-session.js";
import { initDataFor, hashOf } from "../support/init-data.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { tempDir } from "../support/temp-dir.js";
import { admin, alice, bob, testWorkloads } from "../support/test-workloads.js";
import { startTestWebApp, type TestWebApp } from "../support/web-app.js";

const HOUR_MS = 3_600_000;
const STRANGER = 5555;

let app: TestWebApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** alice's "dev" and bob's "bobs", both running, and a few hours of alice's usage history. */
async function setUp() {
  let offsetMs = -3 * HOUR_MS;
  const t = await testWorkloads({ now: () => Date.now() + offsetMs });
  await t.workloads.create(alice, { name: "dev", modules: [] });
  await t.workloads.create(bob, { name: "bobs", modules: [] });
  for (const cpuNs of [1e9, 4e9, 9e9]) {
    t.store.usageHistory.record({
      container: "dev",
      ownerId: alice.userId,
      cpuNs,
      memoryBytes: 2 ** 28,
      workspaceBytes: 0,
    });
    offsetMs += HOUR_MS;
  }
  app = await startTestWebApp(t.workloads);
  const responses: string[] = [];
  const dir = tempDir("voxnix-web-");
  const request = async (path: string, init: { initData?: string; method?: string } = {}) => {
    const response = await fetch(`${app?.address}${path}`, {
      method: init.method ?? "GET",
      headers: init.initData === undefined ? {} : { Authorization: `tma ${init.initData}` },
    });
    const text = await response.text();
    responses.push(text);
    return { status: response.status, headers: response.headers, body: JSON.parse(text) };
  };
  return { t, app, request, keep: () => app?.keepFor(dir, responses) };
}

describe("the web app's API", () => {
  it("lists the user's own containers, and their usage samples for charts", async () => {
    const { request, keep } = await setUp();
    const me = await request("/api/me", { initData: initDataFor(alice.userId) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: alice.userId, role: "user" });
    expect(
      me.body.containers.map((c: { name: string; state: string }) => [c.name, c.state]),
    ).toEqual([["dev", "running"]]);
    const usage = await request("/api/usage", { initData: initDataFor(alice.userId) });
    expect(usage.status).toBe(200);
    expect(usage.body.samples.map((s: { cpuNs: number }) => s.cpuNs)).toEqual([1e9, 3e9, 5e9]);
    keep();
  });

  it("refuses forged, stale, another bot's and absent initData, and strangers", async () => {
    const { request, app, keep } = await setUp();
    const forged = new URLSearchParams(initDataFor(alice.userId));
    forged.set("user", JSON.stringify({ id: admin.userId, first_name: "Admin" }));
    const stale = initDataFor(alice.userId, { ageMs: INIT_DATA_MAX_AGE_MS + 60_000 });
    const otherBot = initDataFor(alice.userId, { token: TEST_SECRETS.otherBotToken });
    for (const initData of [forged.toString(), stale, otherBot, undefined]) {
      const refused = await request("/api/me", initData === undefined ? {} : { initData });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error: "This page could not tell who you are: open it again from the chat.",
      });
    }
    const stranger = await request("/api/me", { initData: initDataFor(STRANGER) });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toContain(`Your Telegram id is ${STRANGER}`);
    const lines = app.lines().join("\n");
    for (const secret of [TEST_SECRETS.botToken, hashOf(stale), hashOf(otherBot)])
      expect(lines).not.toContain(secret);
    keep();
  });

  it("starts and stops the user's container through workloads, and refuses another's", async () => {
    const { t, request, keep } = await setUp();
    const initData = initDataFor(alice.userId);
    const theirs = await request("/api/containers/bobs/stop", { initData, method: "POST" });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error).toBe('You have no container named "bobs". /list shows yours.');
    expect(t.store.containers.find("bobs")?.state).toBe("running");

    const stopped = await request("/api/containers/dev/stop", { initData, method: "POST" });
    expect(stopped).toMatchObject({ status: 200, body: { name: "dev", state: "stopped" } });
    expect(t.store.containers.find("dev")?.state).toBe("stopped");
    const started = await request("/api/containers/dev/start", { initData, method: "POST" });
    expect(started).toMatchObject({ status: 200, body: { name: "dev", state: "running" } });
    // Reading is not acting: a GET never changes anything.
    expect((await request("/api/containers/dev/stop", { initData })).status).toBe(404);
    const audit = t.store.audit
      .recent({ target: "dev" })
      .map((e) => [e.actor, e.action, e.outcome]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ["tg:1001", "stop", "ok"],
        ["tg:1001", "start", "ok"],
      ]),
    );
    const snapshots = await request("/api/containers/dev/snapshots", { initData });
    expect(snapshots).toMatchObject({ status: 200, body: { snapshots: [] } });
    keep();
  });

  it("sends a policy that runs only its own scripts and lets only Telegram Web frame it", async () => {
    const { request, keep } = await setUp();
    const page = await fetch(`${app?.address}/`);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'self' https://web.telegram.org");
    expect(page.headers.get("x-frame-options")).toBeNull();
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const api = await request("/api/me", { initData: initDataFor(alice.userId) });
    expect(api.headers.get("cache-control")).toBe("no-store");
    keep();
  });
});

/** Opens the terminal socket from `origin` and sends `open`; resolves with what came back. */
function openSocket(address: string, origin: string, open: Record<string, unknown>) {
  return new Promise<{ messages: { type: string; reason?: string }[]; code: number }>(
    (resolve, reject) => {
      const messages: { type: string; reason?: string }[] = [];
      const socket = new WebSocket(`${address.replace("http", "ws")}/api/terminal`, { origin });
      socket.on("open", () => socket.send(JSON.stringify({ type: "open", ...open })));
      socket.on("message", (raw) => messages.push(JSON.parse(String(raw))));
      socket.on("close", (code) => resolve({ messages, code }));
      socket.on("unexpected-response", (_request, response) =>
        resolve({ messages, code: response.statusCode ?? 0 }),
      );
      socket.on("error", reject);
    },
  );
}

describe("the terminal socket", () => {
  it("refuses a socket opened from another origin before it upgrades", async () => {
    const { app } = await setUp();
    const refused = await openSocket(app.address, "https://evil.example", {});
    expect(refused.code).toBe(403);
  });

  it("refuses another user's container, and an admin's without the explicit step", async () => {
    const { t, app, keep } = await setUp();
    const asAlice = await openSocket(app.address, app.address, {
      initData: initDataFor(alice.userId),
      name: "bobs",
    });
    expect(asAlice.code).toBe(CLOSE.refused);
    expect(asAlice.messages).toEqual([
      { type: "closed", reason: 'You have no container named "bobs". /list shows yours.' },
    ]);
    const asAdmin = await openSocket(app.address, app.address, {
      initData: initDataFor(admin.userId),
      name: "bobs",
    });
    expect(asAdmin.code).toBe(CLOSE.refused);
    expect(asAdmin.messages[0]?.reason).toContain("separate, audited step for admins");
    const forged = await openSocket(app.address, app.address, {
      initData: initDataFor(alice.userId, { token: TEST_SECRETS.otherBotToken }),
      name: "dev",
    });
    expect(forged.code).toBe(CLOSE.refused);
    const audit = t.store.audit
      .recent({ target: "bobs" })
      .filter((e) => e.action === "terminal")
      .map((e) => [e.actor, e.outcome, e.detail]);
    expect(audit).toHaveLength(2);
    expect(audit).toEqual(
      expect.arrayContaining([
        ["tg:1001", "refused", { reason: "not-found" }],
        ["tg:1", "refused", { reason: "not-allowed" }],
      ]),
    );
    keep();
  });
});
