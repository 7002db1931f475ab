import { chown, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Files the daemon hands to Nix and to containers, under the state directory:
 *
 *   specs/<name>.json                       the validated spec (no secret values)
 *   secrets/<name>/tailscale-auth-key       root-only, bind-mounted read-only into the container
 *
 * Secrets live in files rather than in the spec, the environment or argv, so they never reach
 * the world-readable Nix store, a process listing or a log line.
 */
export function stagingArea(stateDir: string) {
  const specsDir = join(stateDir, "specs");
  const secretsDir = join(stateDir, "secrets");
  const specPath = (name: string) => join(specsDir, `${name}.json`);
  const secretDir = (name: string) => join(secretsDir, name);

  return {
    specPath,
    tailscaleKeyPath: (name: string) => join(secretDir(name), "tailscale-auth-key"),

    async writeSpec(name: string, spec: object): Promise<string> {
      await mkdir(specsDir, { recursive: true, mode: 0o755 });
      const path = specPath(name);
      await writeFile(path, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o644 });
      return path;
    },

    /**
     * Writes the key readable by root only, in a directory only root can enter: the host's root,
     * or with `owner` the container's root (its user namespace's uid 0 is that host uid, and
     * the key is bound into the container as it is; only root may give a file away, so a
     * development run as a user keeps it).
     */
    async stageTailscaleKey(name: string, key: string, owner?: number): Promise<string> {
      await mkdir(secretsDir, { recursive: true, mode: 0o700 });
      await mkdir(secretDir(name), { recursive: true, mode: 0o700 });
      const path = this.tailscaleKeyPath(name);
      await writeFile(path, key, { mode: 0o400, flag: "w" });
      if (owner !== undefined && process.getuid?.() === 0) await chown(path, owner, owner);
      return path;
    },

    /** Removes everything staged for `name`; missing files are fine. */
    async remove(name: string) {
      await rm(specPath(name), { force: true });
      await rm(secretDir(name), { recursive: true, force: true });
    },

    /** Names with anything staged, for reconciliation. */
    async stagedNames(): Promise<string[]> {
      const names = new Set<string>();
      for (const file of await readdir(specsDir).catch(() => [] as string[])) {
        if (file.endsWith(".json")) names.add(file.slice(0, -".json".length));
      }
      for (const dir of await readdir(secretsDir).catch(() => [] as string[])) names.add(dir);
      return [...names].sort();
    },
  };
}

export type StagingArea = ReturnType<typeof stagingArea>;
