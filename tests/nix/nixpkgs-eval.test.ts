// Evaluation against a real nixpkgs (no builds): the appliance, the VM check, services.voxnix
// and containers through extra-container's own eval path. Needs the tree that
// ../shared/nix-eval.md lays out (nixpkgs 24.11 plus extra-container, agenix, disko beside it),
// named by VOXNIX_NIXPKGS=DEST/nixpkgs. CI has no such tree: there the suite is skipped, saying so.
import { execa } from "execa";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasNix } from "../support/nix.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { tempDir } from "../support/temp-dir.js";

const NIXPKGS = process.env.VOXNIX_NIXPKGS ?? "";
const TREE = dirname(NIXPKGS);
const hasTree =
  hasNix &&
  NIXPKGS !== "" &&
  [
    "nixpkgs/nixos/lib/eval-config.nix",
    "extra-container/eval-config.nix",
    "agenix/modules/age.nix",
    "disko/module.nix",
  ].every((file) => existsSync(join(TREE, file)));
const SKIP = hasTree
  ? "nixpkgs tree at VOXNIX_NIXPKGS"
  : "needs VOXNIX_NIXPKGS naming a laid-out nixpkgs tree (../shared/nix-eval.md); CI has none";
const EVAL = join(REPO_ROOT, "tests/nix/eval");
const EVAL_MS = 180_000;

/** Evaluates `expression` strictly to JSON, as the admin's machine would (no build). */
async function evaluate(expression: string): Promise<unknown> {
  const { stdout } = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    {
      env: {
        VOXNIX_NIXPKGS: NIXPKGS,
        NIX_PATH: `nixpkgs=${NIXPKGS}`,
        // package.nix derives tarball URLs from it; nothing is fetched, so any URL will do.
        NPM_CONFIG_REGISTRY: "http://registry.invalid/",
      },
      timeout: EVAL_MS,
    },
  );
  return JSON.parse(stdout);
}

const inputs = `{ repo = ${REPO_ROOT}; tree = ${TREE}; }`;
const flake = `(import ${EVAL}/flake-outputs.nix ${inputs})`;

describe.skipIf(!hasTree)(`real nixpkgs evaluation (${SKIP})`, () => {
  it(
    "evaluates the appliance, with SSH open on the uplink only and br-vox up without carrier",
    async () => {
      const result =
        (await evaluate(`let appliance = ${flake}.nixosConfigurations.appliance.config; in {
        drv = appliance.system.build.toplevel.drvPath;
        firewall = appliance.networking.nftables.tables.nixos-fw.content;
        bridge = { inherit (appliance.systemd.network.networks."40-br-vox") networkConfig linkConfig; };
        secrets = builtins.attrNames appliance.age.secrets;
      }`)) as {
          drv: string;
          firewall: string;
          bridge: Record<string, Record<string, unknown>>;
          secrets: string[];
        };
      expect(result.drv).toMatch(/^\/nix\/store\/\w{32}-nixos-system-voxnix-.*\.drv$/);
      const rules = result.firewall.split("\n").filter((line) => /dport/.test(line));
      expect(rules.filter((line) => /\b22\b/.test(line))).toEqual([
        expect.stringMatching(/^\s*iifname eth0 tcp dport \{ 22 \} accept$/),
      ]);
      expect(rules.filter((line) => line.includes("br-vox")).join("\n")).not.toMatch(/\b22\b/);
      expect(result.bridge.networkConfig).toMatchObject({ ConfigureWithoutCarrier: true });
      expect(result.bridge.linkConfig).toMatchObject({ RequiredForOnline: "no" });
      // First boot: no .age file exists yet, so no secret is declared and evaluation still works.
      expect(result.secrets).toEqual([]);
    },
    EVAL_MS,
  );

  it(
    "evaluates the VM check: nixosModules.voxnix sets no overlay on a runNixOSTest node",
    async () => {
      expect(await evaluate(`${flake}.checks.x86_64-linux.vm.drvPath`)).toMatch(
        /-vm-test-run-voxnix\.drv$/,
      );
    },
    EVAL_MS,
  );

  it(
    "fires each services.voxnix assertion exactly when its condition fails, zfs and dir alike",
    async () => {
      const failing = (config: string) =>
        evaluate(`import ${EVAL}/service.nix ${inputs.slice(0, -1)} config = ${config}; }`);
      const base = `enable = true; botTokenFile = "/run/agenix/voxnix-bot-token"; llm.baseUrl = "http://127.0.0.1:11434/v1";`;
      expect(
        await failing(
          `{ services.voxnix = { ${base} admins = [ 1 ]; storage.backend = "dir"; }; }`,
        ),
      ).toEqual([]);
      expect(
        await failing(
          `{ services.voxnix = { ${base} admins = [ 1 ]; storage.backend = "zfs"; }; boot.supportedFilesystems.zfs = true; networking.hostId = "8425e349"; }`,
        ),
      ).toEqual([]);
      expect(
        await failing(
          `{ services.voxnix = { ${base} admins = [ 1 ]; storage.backend = "zfs"; }; }`,
        ),
      ).toEqual([
        'services.voxnix.storage.backend = "zfs" needs boot.supportedFilesystems.zfs = true (or backend = "dir").',
      ]);
      expect(
        await failing(`{ services.voxnix = { ${base} admins = [ ]; storage.backend = "dir"; }; }`),
      ).toEqual([
        "services.voxnix.admins: give at least one Telegram user id, or nobody can approve access.",
      ]);
      expect(
        await failing(
          `{ services.voxnix = { enable = true; botTokenFile = "/run/x"; admins = [ 1 ]; storage.backend = "dir"; }; }`,
        ),
      ).toEqual([
        "services.voxnix.llmApiKeyFile: OpenRouter (the default llm.baseUrl) needs an API key file.",
      ]);
    },
    EVAL_MS,
  );

  it(
    "evaluates containers through extra-container's eval path, one toplevel per module set",
    async () => {
      const dir = tempDir("voxnix-specs-");
      const spec = (name: string, owner: number, modules: string[]) => {
        const file = join(dir, `${name}.json`);
        writeFileSync(
          file,
          JSON.stringify({
            version: 1,
            name,
            owner,
            modules,
            limits: { cpus: 1, memoryBytes: 2 * 1024 ** 3, tasksMax: 4096 },
            workspace: { hostPath: `/tank/users/${owner}/containers/${name}` },
            tailscale: modules.includes("tailscale")
              ? { authKeyFile: `/var/lib/voxnix/secrets/${name}/tailscale-auth-key` }
              : null,
          }),
        );
        return `(import ${EVAL}/container.nix ${inputs.slice(0, -1)} specFile = ${file}; })`;
      };
      const result = (await evaluate(`{
        dev = ${spec("dev", 1001, ["fish", "git", "tailscale", "workspace"])};
        twin = ${spec("web", 2002, ["fish", "git", "tailscale", "workspace"])};
        plain = ${spec("plain", 1001, ["workspace"])};
      }`)) as Record<"dev" | "twin" | "plain", { host: string; toplevel: string }>;
      for (const c of Object.values(result)) expect(c.toplevel).toMatch(/-nixos-system-.*\.drv$/);
      // Nothing per container (name, owner, paths) is inside: same modules, same system.
      expect(result.twin.toplevel).toBe(result.dev.toplevel);
      expect(result.plain.toplevel).not.toBe(result.dev.toplevel);
      expect(result.twin.host).not.toBe(result.dev.host);
    },
    EVAL_MS,
  );
});
