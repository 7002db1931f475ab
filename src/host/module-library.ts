import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModuleLibraryError } from "./errors.js";

export interface ContainerModule {
  readonly name: string;
  /** One line for people and the agent: what choosing this module gives. */
  readonly description: string;
}

/** `description = "…";` as the first attribute of a module file (see modules/*.nix). */
const DESCRIPTION = /^\s*description\s*=\s*"((?:[^"\\$]|\\.)*)"\s*;/m;
const MODULE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Reads the names and descriptions of `<nixDir>/modules/*.nix` without evaluating Nix (the
 * daemon must answer "which modules are there?" instantly, and the tests hold this reading to
 * real Nix evaluation). Sorted by name.
 */
export async function readModuleLibrary(nixDir: string): Promise<ContainerModule[]> {
  const dir = join(nixDir, "modules");
  let files: string[];
  try {
    files = (await readdir(dir)).filter((file) => file.endsWith(".nix")).sort();
  } catch (error) {
    throw new ModuleLibraryError(`cannot read the module library at ${dir}`, { cause: error });
  }
  const modules: ContainerModule[] = [];
  for (const file of files) {
    const name = file.slice(0, -".nix".length);
    if (!MODULE_NAME.test(name))
      throw new ModuleLibraryError(`module file ${file}: name must match ${MODULE_NAME}`);
    const match = DESCRIPTION.exec(await readFile(join(dir, file), "utf8"));
    if (!match)
      throw new ModuleLibraryError(`module file ${file} has no one-line description = "…";`);
    modules.push({ name, description: JSON.parse(`"${match[1]}"`) as string });
  }
  if (modules.length === 0) throw new ModuleLibraryError(`no modules in ${dir}`);
  return modules;
}
