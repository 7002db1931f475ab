// Secrets a container's agent uses through the egress proxy (issue 27), at the workloads
// service over a fake host: who may add, use and remove which, what is stored, what a
// container's egress environment says, and that a destroy leaves no use behind.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { egressEnvFiles } from "../../../src/host/egress-env.js";
import { Secret } from "../../../src/secret.js";
import { createWorkloads, Refusal, secretBox } from "../../../src/workloads/index.js";
import { TEST_SECRETS } from "../../support/secrets.js";
import { admin, alice, bob, testWorkloads } from "../../support/test-workloads.js";

const VALUE = new Secret(TEST_SECRETS.upstreamKey);
const PROXY = "http://10.100.0.1:3129";

async function withSecrets() {
  const t = await testWorkloads();
  const envRoot = join(t.stateDir, "egress");
  const deps = {
    ...t.deps,
    secrets: {
      box: secretBox(Buffer.from(TEST_SECRETS.secretsKey, "hex")),
      proxyUrl: PROXY,
      envFiles: egressEnvFiles(envRoot),
    },
  };
  const w = createWorkloads(deps);
  const envOf = (name: string) => readFileSync(join(envRoot, name, "env"), "utf8");
  const addressOf = (name: string) => {
    const n = t.store.addresses.find(name) as number;
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  };
  return { ...t, w, envOf, addressOf };
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error.userMessage;
    throw error;
  }
  throw new Error("not refused");
};

describe("secrets", () => {
  it("stores only the sealed value and lists names, kinds and uses", async () => {
    const t = await withSecrets();
    expect(t.w.secrets.add(alice, { name: "claude", kind: "anthropic", value: VALUE })).toEqual({
      name: "claude",
      kind: "anthropic",
      host: "api.anthropic.com",
    });
    const [row] = t.store.secrets.list(alice.userId);
    expect(row?.sealed.includes(Buffer.from(TEST_SECRETS.upstreamKey))).toBe(false);
    expect(t.w.secrets.list(alice)).toEqual([
      { name: "claude", kind: "anthropic", host: "api.anthropic.com", ownerId: 1001, uses: [] },
    ]);
    expect(t.w.secrets.list(bob)).toEqual([]);
    expect(JSON.stringify(t.store.audit.recent())).not.toContain(TEST_SECRETS.upstreamKey);
    expect(t.store.audit.recent()[0]).toMatchObject({
      actor: "tg:1001",
      action: "secret-add",
      target: "claude",
      outcome: "ok",
    });
  });

  it("refuses bad input with a specific sentence, changing nothing", async () => {
    const t = await withSecrets();
    const add = (input: Record<string, string>) =>
      refusal(() => t.w.secrets.add(alice, { name: "x", ...input, value: VALUE }));
    expect(add({ name: "Claude" })).toMatch(/lowercase letters/);
    expect(add({ kind: "gitlab" })).toMatch(/The kind is one of anthropic, openai/);
    expect(add({ name: "mykey" })).toMatch(/Say its kind/);
    expect(add({ kind: "bearer" })).toMatch(/needs the host/);
    expect(add({ kind: "anthropic", host: "evil.example" })).toMatch(/only ever sent to its own/);
    expect(add({ kind: "bearer", host: "https://x.example/v1" })).toMatch(/DNS name/);
    expect(add({ kind: "bearer", host: "10.0.0.1" })).toMatch(/name, not an address/);
    expect(add({ kind: "header", host: "x.example" })).toMatch(/header's name/);
    expect(add({ kind: "header", host: "x.example", header: "host" })).toMatch(/cannot carry/);
    expect(
      refusal(() =>
        t.w.secrets.add(alice, { name: "k", kind: "openai", value: new Secret("a\nb") }),
      ),
    ).toMatch(/one line/);
    expect(t.store.secrets.list()).toEqual([]);
    t.w.secrets.add(alice, { name: "anthropic", value: VALUE });
    expect(refusal(() => t.w.secrets.add(alice, { name: "anthropic", value: VALUE }))).toMatch(
      /already have a secret named anthropic/,
    );
  });

  it("lets only the owner's secret be used on the owner's container, and writes its environment", async () => {
    const t = await withSecrets();
    await t.w.create(alice, { name: "dev", modules: [] });
    await t.w.create(bob, { name: "bobs", modules: [] });
    expect(t.envOf("dev")).not.toContain("ANTHROPIC");
    t.w.secrets.add(alice, { name: "claude", kind: "anthropic", value: VALUE });
    await expect(t.w.secrets.use(bob, { secret: "claude", container: "bobs" })).rejects.toThrow(
      /You have no secret named claude/,
    );
    await expect(t.w.secrets.use(alice, { secret: "claude", container: "bobs" })).rejects.toThrow(
      /no container named "bobs"/,
    );
    // An admin hands out only their own secrets, on their own containers.
    await expect(t.w.secrets.use(admin, { secret: "claude", container: "dev" })).rejects.toThrow(
      Refusal,
    );
    await t.w.secrets.use(alice, { secret: "claude", container: "dev" });
    expect(t.envOf("dev")).toBe(
      [
        "# Written by voxnix: the host's egress proxy injects each secret's value; none is here.",
        `VOXNIX_EGRESS_URL=${PROXY}`,
        `VOXNIX_SECRET_CLAUDE_URL=${PROXY}/claude`,
        `ANTHROPIC_BASE_URL=${PROXY}/claude`,
        "ANTHROPIC_API_KEY=voxnix-proxy-injects-the-real-key",
        "",
      ].join("\n"),
    );
    // The conf binds the directory, read-only, so a rewrite is seen inside at once.
    const conf = readFileSync(join(t.host.root, "etc/nixos-containers/dev.conf"), "utf8");
    expect(conf).toContain(`--bind-ro=${join(t.stateDir, "egress", "dev")}:/run/voxnix/egress`);

    const credential = t.w.egress.credential({ address: t.addressOf("dev"), route: "anthropic" });
    expect(credential).toMatchObject({
      container: "dev",
      host: "api.anthropic.com",
      header: "x-api-key",
      prefix: "",
    });
    expect(credential.value.reveal()).toBe(TEST_SECRETS.upstreamKey);
    expect(() => t.w.egress.credential({ address: t.addressOf("bobs"), route: "claude" })).toThrow(
      /bobs may not use/,
    );
    expect(() => t.w.egress.credential({ address: "10.100.0.250", route: "claude" })).toThrow(
      /No container of this host has the address/,
    );

    await t.w.secrets.unuse(alice, { secret: "claude", container: "dev" });
    expect(t.envOf("dev")).not.toContain("ANTHROPIC");
    expect(() => t.w.egress.credential({ address: t.addressOf("dev"), route: "claude" })).toThrow(
      Refusal,
    );
    expect(
      t.store.audit
        .recent({ limit: 5 })
        .map((e) => `${e.actor} ${e.action} ${e.target} ${e.outcome}`),
    ).toEqual([
      "tg:1001 secret-unuse dev ok",
      "tg:1001 secret-use dev ok",
      "cli:1 secret-use dev refused",
      "tg:1001 secret-use bobs refused",
      "tg:2002 secret-use bobs refused",
    ]);
  });

  it("names the secret when a container may use two of one kind", async () => {
    const t = await withSecrets();
    await t.w.create(alice, { name: "dev", modules: [] });
    t.w.secrets.add(alice, { name: "work", kind: "openai", value: VALUE });
    t.w.secrets.add(alice, { name: "home", kind: "openai", value: VALUE });
    await t.w.secrets.use(alice, { secret: "work", container: "dev" });
    await t.w.secrets.use(alice, { secret: "home", container: "dev" });
    expect(() => t.w.egress.credential({ address: t.addressOf("dev"), route: "openai" })).toThrow(
      /name one in the URL \(home, work\)/,
    );
    expect(t.w.egress.credential({ address: t.addressOf("dev"), route: "work" }).prefix).toBe(
      "Bearer ",
    );
    // The first by name gives the usual variables.
    expect(t.envOf("dev")).toContain(`OPENAI_BASE_URL=${PROXY}/home/v1`);
  });

  it("drops a destroyed container's uses, and a removed secret's, with the environment", async () => {
    const t = await withSecrets();
    await t.w.create(alice, { name: "dev", modules: [] });
    await t.w.create(alice, { name: "two", modules: [] });
    t.w.secrets.add(alice, { name: "claude", kind: "anthropic", value: VALUE });
    await t.w.secrets.use(alice, { secret: "claude", container: "dev" });
    await t.w.secrets.use(alice, { secret: "claude", container: "two" });
    const request = await t.w.requestDestroy(alice, { name: "dev" });
    const { trashId } = await t.w.confirmDestroy(alice, request.id);
    expect(t.w.secrets.list(alice)[0]?.uses.map((u) => u.container)).toEqual(["two"]);
    // Back from the trash under its old name: no use comes back with it.
    await t.w.restore(alice, { id: trashId ?? "" });
    expect(t.envOf("dev")).not.toContain("ANTHROPIC");
    expect(await t.w.secrets.remove(alice, { secret: "claude" })).toEqual({
      name: "claude",
      containers: ["two"],
    });
    expect(t.envOf("two")).not.toContain("ANTHROPIC");
    expect(t.store.secrets.list()).toEqual([]);
  });

  it("is refused on a host without a secrets key", async () => {
    const t = await testWorkloads();
    expect(() => t.workloads.secrets.checkAdd(alice, { name: "claude" })).toThrow(
      /VOXNIX_SECRETS_KEY_FILE/,
    );
    expect(t.workloads.secrets.available()).toBe(false);
  });
});
