import { chmod, mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export { EGRESS_INSIDE } from "./container-files.js";
/** The file in that directory (container-base.nix sources it for shells). */
export const EGRESS_ENV_FILE = "env";

/**
 * Each container's egress environment, `<root>/<name>/env` on the host: the proxy's URLs and
 * placeholder keys for the secrets it may use, never a value (workloads/operations/secrets.ts
 * writes it). The directory, not the file, is bound into the container read-only, so a rename
 * over the file is seen inside at once, without a restart or a rebuild.
 */
export function egressEnvFiles(root: string) {
  const dirOf = (name: string) => join(root, name);
  return {
    dirOf,
    /** Replaces `name`'s file with `text` in one step (a reader sees the old or the new). */
    async write(name: string, text: string): Promise<void> {
      const dir = dirOf(name);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // The container's root is another uid (its user range): it reads through "other".
      await chmod(dir, 0o755);
      const temporary = join(dir, `.${EGRESS_ENV_FILE}.${process.pid}.tmp`);
      const file = await open(temporary, "w", 0o644);
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(dir, EGRESS_ENV_FILE));
    },
    async remove(name: string): Promise<void> {
      await rm(dirOf(name), { recursive: true, force: true });
    },
  };
}

export type EgressEnvFiles = ReturnType<typeof egressEnvFiles>;
