import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { Secret } from "../../src/secret.js";
import { openStore } from "../../src/store/index.js";
import { secretBox } from "../../src/workloads/index.js";
import { createFakeHost } from "../fakes/fake-host.js";
import { TEST_SECRETS } from "../support/secrets.js";
import { fakeHostEnv, voxnix } from "../support/voxnix-process.js";

describe("voxnix secrets", { timeout: 60_000 }, () => {
  it("lists every user's secrets with their uses, never a value", async () => {
    const host = await createFakeHost();
    onTestFinished(() => host.cleanup());
    const env = fakeHostEnv(host);
    const store = openStore(join(env.VOXNIX_STATE_DIR as string, "voxnix.sqlite"));
    try {
      store.containers.insert({ name: "dev", ownerId: 1001, spec: {}, state: "running" });
      const box = secretBox(Buffer.from(TEST_SECRETS.secretsKey, "hex"));
      const secret = store.secrets.add(
        { ownerId: 1001, name: "claude", kind: "anthropic", host: "api.anthropic.com" },
        (row) => box.seal(new Secret(TEST_SECRETS.upstreamKey), `secret:${row.id}`),
      );
      store.secrets.grant(secret?.id as number, "dev");
      store.secrets.add({ ownerId: 1, name: "gh", kind: "github", host: "api.github.com" }, (row) =>
        box.seal(new Secret(TEST_SECRETS.upstreamKey), `secret:${row.id}`),
      );
    } finally {
      store.close();
    }
    const listed = await voxnix(["secrets"], { env });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout.split("\n").map((line) => line.replace(/\s+/g, " ").trim())).toEqual([
      "OWNER NAME KIND HOST CONTAINER REQUESTS LAST USE",
      "1 gh github api.github.com — — —",
      "1001 claude anthropic api.anthropic.com dev 0 —",
      "",
    ]);
    const json = await voxnix(["secrets", "--json"], { env });
    expect(JSON.parse(json.stdout)).toEqual([
      { name: "gh", kind: "github", host: "api.github.com", ownerId: 1, uses: [] },
      {
        name: "claude",
        kind: "anthropic",
        host: "api.anthropic.com",
        ownerId: 1001,
        uses: [{ container: "dev", requests: 0 }],
      },
    ]);
    expect(listed.stdout + json.stdout).not.toContain(TEST_SECRETS.upstreamKey);
  });
});
