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
 * The container modules, sorted by name: from `<nixDir>/module-index.json`, which the package
 * build evaluates with Nix (nix/module-index.nix), or in a checkout, which has none, read from
 * `modules/*.nix` without evaluating Nix (the tests hold that reading to real evaluation).
 */
export async function readModuleLibrary(nixDir: string): Promise<ContainerModule[]> {
  const index = join(nixDir, "module-index.json");
  const text = await readFile(index, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new ModuleLibraryError(`cannot read ${index}`, { cause: error });
  });
  return text === undefined ? readModuleFiles(nixDir) : parseModuleIndex(index, text);
}

/** module-index.json: `{ "<name>": "<one-line description>", … }`. */
function parseModuleIndex(path: string, text: string): ContainerModule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModuleLibraryError(`${path} is not JSON`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ModuleLibraryError(`${path} must map module names to descriptions`);
  const modules = Object.entries(parsed).map(([name, description]) => {
    if (!MODULE_NAME.test(name) || typeof description !== "string" || description === "")
      throw new ModuleLibraryError(`${path}: bad entry ${JSON.stringify(name)}`);
    return { name, description };
  });
  if (modules.length === 0) throw new ModuleLibraryError(`no modules in ${path}`);
  return modules.sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function readModuleFiles(nixDir: string): Promise<ContainerModule[]> {
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
