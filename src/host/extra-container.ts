import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Runner } from "./run.js";

/**
 * The one-line definition extra-container evaluates. Only two paths are interpolated, both from
 * configuration and restricted to path-literal characters (config.ts); the spec itself travels
 * as JSON read by `builtins.fromJSON`, never as generated Nix source.
 */
export function definitionFor(nixDir: string, specPath: string): string {
  return `import ${nixDir}/nix/mkContainer.nix { spec = builtins.fromJSON (builtins.readFile ${specPath}); }`;
}

export interface ExtraContainerOptions {
  /** Where NixOS keeps `<name>.conf` (/etc/nixos-containers). */
  readonly confDir: string;
  /** Deadline for a build, in ms: Nix builds of a new module set take minutes. */
  readonly buildTimeoutMs: number;
}

/**
 * `extra-container` (v0.13/v0.14). Its stdout is not a reliable success signal, so
 * "installed" is the conf file's existence (host-cli-reference.md).
 */
export function extraContainer(runner: Runner, options: ExtraContainerOptions) {
  return {
    /**
     * Builds and installs the containers `expression` defines, and starts them.
     * Re-using an existing name silently replaces it: callers check existence first.
     */
    async createAndStart(expression: string, signal?: AbortSignal) {
      await runner.run(["extra-container", "create", "-E", expression, "--start"], {
        timeoutMs: options.buildTimeoutMs,
        ...(signal ? { signal } : {}),
      });
    },

    /** Stops and removes a container; exits 0 even when parts were already gone. */
    async destroy(name: string) {
      await runner.run(["extra-container", "destroy", name], { timeoutMs: 120_000 });
    },

    /** Names with a unit in the mutable unit directory. */
    async list(): Promise<string[]> {
      const { stdout } = await runner.run(["extra-container", "list"]);
      return stdout.split("\n").filter(Boolean);
    },

    isInstalled(name: string): boolean {
      return existsSync(join(options.confDir, `${name}.conf`));
    },
  };
}

export type ExtraContainer = ReturnType<typeof extraContainer>;
