import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { definitionFor, readModuleLibrary } from "../../src/host/index.js";
import { buildSpec, type ContainerSpec } from "../../src/workloads/index.js";
import { CreateInput } from "../../src/workloads/spec.js";
import { hasNix, NIX_SKIP_REASON, nixEval, nixEvalError } from "../support/nix.js";
import { DEFAULT_LIMITS, REPO_ROOT, TAILSCALE_KEY } from "../support/test-workloads.js";
import { tempDir } from "../support/temp-dir.js";

const MK_CONTAINER = join(REPO_ROOT, "nix/mkContainer.nix");

/** The fragment mkContainer returns, with the NixOS module functions replaced by their count. */
const evaluable = (specFile: string) =>
  `let r = import ${MK_CONTAINER} { spec = builtins.fromJSON (builtins.readFile ${specFile}); };
   in r // { containers = builtins.mapAttrs (n: c: (removeAttrs c [ "config" ]) // {
        configAttrs = builtins.attrNames c.config; imports = builtins.length c.config.imports; }) r.containers; }`;

async function specFor(
  dir: string,
  input: Parameters<typeof CreateInput.parse>[0],
  ownerId = 1001,
): Promise<{ spec: ContainerSpec; file: string }> {
  const request = CreateInput.parse(input);
  const spec = buildSpec({
    request,
    ownerId,
    modules: await readModuleLibrary(REPO_ROOT),
    limits: DEFAULT_LIMITS,
    hasTailscaleKey: true,
    tailscaleKeyPath: join(dir, `secrets/${request.name}/tailscale-auth-key`),
    workspacePath: `/tank/users/${ownerId}/containers/${request.name}`,
  });
  const file = join(dir, `${request.name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return { spec, file };
}

/** Every subset of the selectable modules. */
const SELECTABLE = ["devtools", "fish", "git", "tailscale"];
const COMBINATIONS = Array.from({ length: 2 ** SELECTABLE.length }, (_, bits) =>
  SELECTABLE.filter((_, i) => bits & (1 << i)),
);

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

  it("evaluates a spec with tailscale and limits to the expected fragment", async () => {
    const dir = tempDir();
    const { file } = await specFor(dir, {
      name: "dev",
      modules: ["git", "tailscale"],
      cpus: 0.5,
      memory: "3G",
    });
    expect(await nixEval(evaluable(file))).toEqual({
      containers: {
        dev: {
          autoStart: true,
          privateNetwork: true,
          hostBridge: "br-vox",
          bindMounts: {
            "/workspace": { hostPath: "/tank/users/1001/containers/dev", isReadOnly: false },
            "/run/voxnix/tailscale-auth-key": {
              hostPath: join(dir, "secrets/dev/tailscale-auth-key"),
              isReadOnly: true,
            },
            "/dev/net/tun": { hostPath: "/dev/net/tun", isReadOnly: false },
          },
          allowedDevices: [{ node: "/dev/net/tun", modifier: "rwm" }],
          configAttrs: ["imports"],
          imports: 4, // container-base + git, tailscale, workspace
        },
      },
      systemd: {
        services: {
          "container@dev": {
            serviceConfig: { CPUQuota: "50%", MemoryMax: String(3 * 1024 ** 3), TasksMax: 4096 },
          },
        },
      },
    });
  });

  it("evaluates a plain spec without tun device or key mount", async () => {
    const dir = tempDir();
    const { file } = await specFor(dir, { name: "plain", modules: [] }, 2002);
    expect(await nixEval(evaluable(file))).toEqual({
      containers: {
        plain: {
          autoStart: true,
          privateNetwork: true,
          hostBridge: "br-vox",
          bindMounts: {
            "/workspace": { hostPath: "/tank/users/2002/containers/plain", isReadOnly: false },
          },
          allowedDevices: [],
          configAttrs: ["imports"],
          imports: 2,
        },
      },
      systemd: {
        services: {
          "container@plain": {
            serviceConfig: { CPUQuota: "100%", MemoryMax: String(2 * 1024 ** 3), TasksMax: 4096 },
          },
        },
      },
    });
  });

  it(`evaluates all ${COMBINATIONS.length} module combinations the daemon can write, with and without limits`, async () => {
    const dir = tempDir();
    const cases = await Promise.all(
      COMBINATIONS.map((modules, i) =>
        specFor(dir, { name: `c${i}`, modules, ...(i % 2 ? { cpus: 2, memory: "4G" } : {}) }),
      ),
    );
    const expression = `map (f: ${evaluable("f")}) [ ${cases.map((c) => c.file).join(" ")} ]`;
    const results = (await nixEval(expression)) as {
      containers: Record<
        string,
        { bindMounts: object; allowedDevices: unknown[]; imports: number }
      >;
      systemd: { services: Record<string, { serviceConfig: { CPUQuota: string } }> };
    }[];
    expect(results).toHaveLength(16);
    results.forEach((result, i) => {
      const { spec } = cases[i] as { spec: ContainerSpec };
      const container = result.containers[spec.name];
      const hasTailscale = spec.modules.includes("tailscale");
      expect(container?.imports).toBe(spec.modules.length + 1);
      expect(Object.keys(container?.bindMounts ?? {}).sort()).toEqual(
        hasTailscale
          ? ["/dev/net/tun", "/run/voxnix/tailscale-auth-key", "/workspace"]
          : ["/workspace"],
      );
      expect(container?.allowedDevices).toHaveLength(hasTailscale ? 1 : 0);
      expect(result.systemd.services[`container@${spec.name}`]?.serviceConfig.CPUQuota).toBe(
        `${spec.limits.cpus * 100}%`,
      );
    });
  });

  it("never puts the tailscale key's value into the evaluated output", async () => {
    const dir = tempDir();
    const { spec, file } = await specFor(dir, { name: "ts", modules: ["tailscale"] });
    mkdirSync(join(dir, "secrets/ts"), { recursive: true });
    writeFileSync(spec.tailscale?.authKeyFile as string, TAILSCALE_KEY);
    const output = JSON.stringify(await nixEval(evaluable(file)));
    expect(output).toContain(spec.tailscale?.authKeyFile);
    expect(output).not.toContain(TAILSCALE_KEY);
  });

  it.each([
    [
      "an unknown module",
      { modules: ["fihs", "workspace"] },
      'voxnix: unknown module "fihs" in spec "dev" (known: devtools, fish, git, tailscale, workspace)',
    ],
    [
      "a bad name",
      { name: "Dev_1" },
      'voxnix: bad container name "Dev_1" (1 to 11 of a-z, 0-9 and -, not starting or ending with -)',
    ],
    [
      "a name too long for the host veth",
      { name: "abcdefghijkl" },
      'voxnix: bad container name "abcdefghijkl"',
    ],
    [
      "a missing field",
      { workspace: {} },
      'voxnix: missing field "workspace.hostPath" in spec "dev"',
    ],
    ["a newer spec version", { version: 2 }, 'voxnix: field "version" in spec "dev" must be 1'],
    [
      "tailscale without a key file",
      { modules: ["tailscale", "workspace"], tailscale: null },
      'voxnix: module "tailscale" in spec "dev" needs "tailscale.authKeyFile"',
    ],
    [
      "a relative workspace",
      { workspace: { hostPath: "tank/x" } },
      'voxnix: field "workspace.hostPath" in spec "dev" must be an absolute path',
    ],
  ])("fails clearly on %s", async (_, change, message) => {
    const dir = tempDir();
    const { spec } = await specFor(dir, { name: "dev", modules: ["git"] });
    const file = join(dir, "broken.json");
    writeFileSync(file, JSON.stringify({ ...spec, ...change }));
    expect(await nixEvalError(evaluable(file))).toContain(message);
  });

  it("exports the same module names and descriptions the daemon reads", async () => {
    const fromNix = await nixEval(
      `builtins.mapAttrs (n: m: m.description) (import ${join(REPO_ROOT, "nix/module-library.nix")} { })`,
    );
    const fromDaemon = Object.fromEntries(
      (await readModuleLibrary(REPO_ROOT)).map((m) => [m.name, m.description]),
    );
    expect(fromNix).toEqual(fromDaemon);
  });

  it("reads the one-line definition the daemon hands extra-container", async () => {
    const dir = tempDir();
    const { file } = await specFor(dir, { name: "dev", modules: ["fish"] });
    expect(
      await nixEval(`builtins.attrNames (${definitionFor(REPO_ROOT, file)}).containers`),
    ).toEqual(["dev"]);
  });
});
