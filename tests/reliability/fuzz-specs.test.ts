import fc from "fast-check";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/config.js";
import { containerName, Refusal, type CreateInput } from "../../src/workloads/index.js";
import { admin, alice, testWorkloads, type TestWorkloads } from "../support/test-workloads.js";

/** Everything a create can change: registry rows, datasets, installed units, staged files. */
const footprint = (t: TestWorkloads) => ({
  rows: t.store.containers.listAll().map((r) => `${r.ownerId}/${r.name}/${r.state}`),
  datasets: t.host.datasets(),
  installed: t.host.installed(),
  staged: ["specs", "secrets"].flatMap((d) =>
    existsSync(join(t.stateDir, d)) ? readdirSync(join(t.stateDir, d)).map((f) => `${d}/${f}`) : [],
  ),
});

/** Mostly plausible values, sometimes anything at all: both sides of every check get reached. */
const mostly = <T>(plausible: fc.Arbitrary<T>, junk: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: plausible, weight: 4 }, { arbitrary: junk, weight: 1 });

const name = mostly(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/),
  fc.oneof(
    fc.string({ maxLength: 16 }),
    fc.constantFrom(" Dev ", "-x", "x-", "a".repeat(12), "x y", "../etc", "", "ä"),
    fc.anything(),
  ),
);
const modules = mostly(
  fc.array(fc.constantFrom("git", "fish", "devtools", "tailscale", "workspace", " GIT "), {
    maxLength: 3,
  }),
  fc.oneof(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), fc.anything()),
);
const createInput = fc.record(
  {
    name,
    modules,
    cpus: mostly(fc.constantFrom(1, 2, 0.5), fc.oneof(fc.double(), fc.integer(), fc.string())),
    memory: mostly(
      fc.constantFrom("2G", "512M", 1024 ** 3),
      fc.oneof(fc.constantFrom("1T", "0", "-1G", "lots", "9999999999999999G"), fc.integer()),
    ),
    owner: mostly(fc.constantFrom(1001), fc.oneof(fc.constantFrom(2002, 424242), fc.anything())),
  },
  { requiredKeys: ["name"] },
);

describe("fast-check over what reaches the system", () => {
  it("creates exactly what is valid; every rejected spec is a refusal that changes nothing", async () => {
    const t = await testWorkloads();
    let created = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(createInput, fc.boolean(), async (input, asAdmin) => {
        const before = footprint(t);
        try {
          const result = await t.workloads.create(asAdmin ? admin : alice, input as CreateInput);
          created++;
          expect(result.name).toBe(containerName.parse(input.name));
          expect(footprint(t).installed).toContain(result.name);
        } catch (error) {
          if (!(error instanceof Refusal)) throw error; // anything else is a crash
          refused++;
          expect(error.userMessage.length).toBeGreaterThan(10);
          expect(footprint(t)).toEqual(before);
        }
      }),
      { numRuns: 120, seed: 6 },
    );
    // The generators reach both sides, or the property proves little.
    expect(created).toBeGreaterThan(3);
    expect(refused).toBeGreaterThan(30);
  }, 60_000);

  it("answers any environment with a configuration or one ConfigError, never a crash", () => {
    const variables = [
      "TELEGRAM_BOT_TOKEN",
      "VOXNIX_ADMINS",
      "VOXNIX_USERS",
      "LLM_BASE_URL",
      "LLM_API_KEY",
      "LLM_TIMEOUT_SECONDS",
      "ZFS_POOL",
      "ZFS_USER_QUOTA",
      "VOXNIX_STORAGE",
      "VOXNIX_BUILD_SLOTS",
      "VOXNIX_MAX_CONTAINERS",
      "VOXNIX_DEFAULT_MEMORY",
      "VOXNIX_MAX_CPUS",
      "VOXNIX_STATE_DIR",
      "LOG_LEVEL",
    ];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...variables), fc.string({ maxLength: 30 })),
        fc.constantFrom("serve" as const, "admin" as const),
        (env, purpose) => {
          try {
            loadConfig(env, { purpose });
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            expect((error as ConfigError).message).toMatch(/\w+: /);
          }
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });
});
