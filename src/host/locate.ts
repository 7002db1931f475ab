import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The first executable named `binary` on `path` (a PATH string), as exec would find it. */
export function locateOnPath(binary: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
