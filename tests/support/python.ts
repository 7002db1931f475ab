import { existsSync } from "node:fs";

/**
 * The system's python3 where there is one, not the first on PATH: a version manager's shim
 * (pyenv's, first on this machine's PATH) runs half a dozen processes before Python starts, and
 * the packet and tripwire tools start hundreds of Pythons.
 */
export const PYTHON3 =
  ["/usr/bin/python3", "/bin/python3"].find((path) => existsSync(path)) ?? "python3";
