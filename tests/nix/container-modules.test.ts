import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildExpression, readModuleLibrary } from "../../src/host/index.js";
import { hasNix, NIX_SKIP_REASON, nixEval, nixEvalError } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { tempDir } from "../support/temp-dir.js";

const CONTAINER_MODULES = join(REPO_ROOT, "nix/container-modules.nix");
/** nixpkgs' eval-config.nix replaced by one that returns what it was given (no nixpkgs in CI). */
const STUB_NIXPKGS = join(REPO_ROOT, "tests/nix/fixtures/stub-nixpkgs");

/** Every subset of the selectable modules, each with the implicit workspace. */
const SELECTABLE = ["devtools", "fish", "git", "tailscale"];
const COMBINATIONS = Array.from({ length: 2 ** SELECTABLE.length }, (_, bits) => [
  ...SELECTABLE.filter((_, i) => bits & (1 << i)),
  "workspace",
]);

const selected = (modules: string) =>
  `let s = import ${CONTAINER_MODULES} { modules = ${modules}; }; in { inherit (s) names; count = builtins.length s.nixosModules; }`;

if (!hasNix) console.warn(`Nix tests skipped: ${NIX_SKIP_REASON}`);

describe.skipIf(!hasNix)(`Nix (${NIX_SKIP_REASON})`, () => {
  it("parses every .nix file in the repository", async () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (["node_modules", ".git", "dist"].includes(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".nix")) files.push(path);
      }
    };
    walk(REPO_ROOT);
    expect(files.length).toBeGreaterThanOrEqual(8);
    const failures = [];
    for (const file of files) {
      const result = await execa("nix-instantiate", ["--parse", file], { reject: false });
      if (result.exitCode !== 0) failures.push(`${relative(REPO_ROOT, file)}: ${result.stderr}`);
    }
    expect(failures).toEqual([]);
  });

  it(`selects container-base and one module per name for all ${COMBINATIONS.length} module sets`, async () => {
    const expression = `map (m: ${selected("m")}) (builtins.fromJSON ${JSON.stringify(JSON.stringify(COMBINATIONS))})`;
    const results = (await nixEval(expression)) as { names: string[]; count: number }[];
    expect(results).toEqual(
      COMBINATIONS.map((modules) => ({ names: [...modules].sort(), count: modules.length + 1 })),
    );
  });

  it("evaluates the daemon's own build expression on a staged spec, taking its modules alone", async () => {
    const spec = join(tempDir(), "dev.json");
    writeFileSync(
      spec,
      JSON.stringify({ name: "dev", owner: 1001, modules: ["git", "workspace"], limits: {} }),
    );
    const { stdout } = await execa(
      "nix-instantiate",
      ["--eval", "--strict", "--json", "-E", buildExpression(REPO_ROOT, spec)],
      { env: { NIX_PATH: `nixpkgs=${STUB_NIXPKGS}` }, timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      system: null,
      // What nixos-containers.nix adds (the settings, and isNspawnContainer where it exists),
      // container-base, git, workspace.
      moduleCount: 5,
      inline: [
        {
          nixpkgs: { hostPlatform: expect.any(String) },
          boot: { isContainer: true },
          networking: { useDHCP: false },
        },
      ],
    });
  });

  it.each([
    [
      "an unknown module",
      `[ "fihs" "workspace" ]`,
      'voxnix: unknown module "fihs" (known: devtools, fish, git, tailscale, workspace)',
    ],
    ["modules that are not names", `[ 1 ]`, "voxnix: modules must be a list of module names"],
    ["modules that are not a list", `"git"`, "voxnix: modules must be a list of module names"],
  ])("fails clearly on %s", async (_, modules, message) => {
    expect(await nixEvalError(selected(modules))).toContain(message);
  });

  it("reads the module files as the index the package build evaluates (nix/module-index.nix)", async () => {
    const fromNix = await nixEval(`import ${join(REPO_ROOT, "nix/module-index.nix")} { }`);
    const fromDaemon = Object.fromEntries(
      (await readModuleLibrary(REPO_ROOT)).map((m) => [m.name, m.description]),
    );
    expect(fromNix).toEqual(fromDaemon);
  });
});
