import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { mkdir, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { HostOutputMalformed } from "./errors.js";
import type { Runner } from "./run.js";

export interface ContainerSystemsOptions {
  /** The package root: nix/mk-container.nix and modules/. */
  readonly nixDir: string;
  /** voxnix's GC roots (/nix/var/nix/gcroots/voxnix); built systems are kept under systems/. */
  readonly gcrootDir: string;
  /** Deadline for a build, in ms: a new module set takes minutes. */
  readonly buildTimeoutMs: number;
}

/**
 * What nix-build evaluates for a staged spec: its module names, read by `builtins.fromJSON`.
 * Only two paths are interpolated, both from configuration and restricted to path-literal
 * characters (config.ts); the spec itself never becomes Nix source.
 */
export function buildExpression(nixDir: string, specPath: string): string {
  return `import ${nixDir}/nix/mk-container.nix { modules = (builtins.fromJSON (builtins.readFile ${specPath})).modules; }`;
}

/** A store path, in whichever store directory (the fake host's is not /nix/store). */
const STORE_PATH = /^\/[^\s]*\/[0-9a-z]{32}-[^/\s]+$/;

/** The files under the package root that nix/mk-container.nix reads (modules/: all of it). */
const SYSTEM_SOURCES = [
  "nix/mk-container.nix",
  "nix/container-modules.nix",
  "nix/container-base.nix",
  "nix/module-library.nix",
  "modules",
];

/**
 * The container systems (nix/mk-container.nix), one per module set, each kept as a GC root
 * named by what it was built from: the nixpkgs that `<nixpkgs>` names and every voxnix file a
 * container system is made of (SYSTEM_SOURCES). A second container with the same modules, from
 * the same voxnix and nixpkgs, then costs no evaluation at all; after a deploy changes either,
 * the first create of each module set builds again (an unchanged derivation builds nothing) and
 * the roots of the old ones go.
 */
export function containerSystems(runner: Runner, options: ContainerSystemsOptions) {
  const systemsDir = join(options.gcrootDir, "systems");

  /** What a system is built from, short: changes with nixpkgs or any of SYSTEM_SOURCES. */
  async function fingerprint(): Promise<string> {
    const { stdout } = await runner.run(["nix-instantiate", "--find-file", "nixpkgs"]);
    const nixpkgs = stdout.trim();
    const hash = createHash("sha256").update(resolved(nixpkgs)).update("\0");
    for (const file of SYSTEM_SOURCES) hashTree(hash, join(options.nixDir, file), file);
    return hash.digest("hex").slice(0, 16);
  }

  return {
    /**
     * The system for `modules`: `built` if this voxnix and nixpkgs built it before, and how to
     * build it (keeping it for the next create; the roots of systems built from an older voxnix
     * or nixpkgs are dropped, containers keep their own).
     */
    async forModules(modules: readonly string[]) {
      const prefix = `${await fingerprint()}-`;
      const set = [...new Set(modules)].sort().join(",");
      const link = join(
        systemsDir,
        prefix + createHash("sha256").update(set).digest("hex").slice(0, 16),
      );
      const target = await readlink(link).catch(() => undefined);
      const built =
        target !== undefined && STORE_PATH.test(target) && existsSync(target) ? target : undefined;

      async function build(specPath: string, signal?: AbortSignal): Promise<string> {
        await mkdir(systemsDir, { recursive: true, mode: 0o755 });
        const argv = [
          "nix-build",
          "--out-link",
          link,
          "-E",
          buildExpression(options.nixDir, specPath),
        ] as const;
        const { stdout } = await runner.run(argv, {
          timeoutMs: options.buildTimeoutMs,
          ...(signal ? { signal } : {}),
        });
        const path = stdout.trim().split("\n").at(-1) ?? "";
        if (!STORE_PATH.test(path))
          throw new HostOutputMalformed({ argv, stdoutTail: stdout, expected: "a store path" });
        for (const old of await readdir(systemsDir))
          if (!old.startsWith(prefix)) await rm(join(systemsDir, old), { force: true });
        return path;
      }
      return { built, build, link };
    },
  };
}

function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** A file, or every file under a directory, by path and content, in a stable order. */
function hashTree(hash: ReturnType<typeof createHash>, path: string, name: string): void {
  const stat = statSync(path);
  if (stat.isFile()) {
    hash.update(name).update("\0").update(readFileSync(path)).update("\0");
    return;
  }
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(path).sort())
    hashTree(hash, join(path, entry), `${name}/${entry}`);
}

export type ContainerSystems = ReturnType<typeof containerSystems>;
