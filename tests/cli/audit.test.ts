import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { openStore } from "../../src/store/index.js";
import { createFakeHost } from "../fakes/fake-host.js";
import { fakeHostEnv, voxnix } from "../support/voxnix-process.js";

const DAY_MS = 86_400_000;

/** A state directory whose audit table holds events of several users over three days. */
async function auditedHost() {
  const host = await createFakeHost();
  onTestFinished(() => host.cleanup());
  const env = fakeHostEnv(host);
  let at = Date.now() - 3 * DAY_MS;
  const store = openStore(join(env.VOXNIX_STATE_DIR as string, "voxnix.sqlite"), {
    now: () => at,
  });
  const event = (actor: string, action: string, target: string, outcome: "ok" | "refused") =>
    store.audit.record({
      actor,
      action,
      target,
      outcome,
      ...(outcome === "refused" ? { detail: { reason: "name-taken" } } : {}),
    });
  event("tg:1001", "create", "old", "ok");
  at += 2 * DAY_MS + 60_000; // within the last day from here on
  event("tg:1001", "create", "dev", "ok");
  event("tg:1002", "create", "dev", "refused");
  event("cli:1001", "stop", "dev", "ok");
  event("system", "reconcile", "web", "ok");
  store.close();
  return (...args: string[]) => voxnix(["audit", ...args], { env });
}

describe("voxnix audit", () => {
  it("reads the trail by user, container and time, as a table and as JSON", async () => {
    const audit = await auditedHost();

    const byUser = await audit("--user", "1001", "--json");
    expect(byUser.exitCode).toBe(0);
    expect(
      JSON.parse(byUser.stdout).map(
        (e: { actor: string; target: string }) => `${e.actor} ${e.target}`,
      ),
    ).toEqual(["tg:1001 old", "tg:1001 dev", "cli:1001 dev"]);

    const recentDev = await audit("--container", "dev", "--since", "1d");
    expect(recentDev.exitCode).toBe(0);
    const rows = recentDev.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+DETAIL$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(1, 5).join(" "))).toEqual([
      "tg:1001 create dev ok",
      "tg:1002 create dev refused",
      "cli:1001 stop dev ok",
    ]);
    expect(rows[2]).toMatch(/reason=name-taken$/);

    const newest = await audit("--limit", "2", "--json");
    expect(JSON.parse(newest.stdout).map((e: { action: string }) => e.action)).toEqual([
      "stop",
      "reconcile",
    ]);
    expect((await audit("--user", "4242")).stdout).toBe("no audit entries match\n");
  });

  it("refuses a malformed filter in one line with exit 64", async () => {
    const audit = await auditedHost();
    const since = await audit("--since", "yesterday");
    expect(since.exitCode).toBe(64);
    expect(since.stderr).toMatch(
      /^error: option '--since <when>'.*an age such as 30m.*"yesterday"/,
    );
    expect(since.stderr).not.toMatch(/\bat \S+:\d+/); // no stack
    const limit = await audit("--limit", "100000");
    expect(limit).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/At most 500 entries/),
    });
  });
});
