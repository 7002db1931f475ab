import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readModuleLibrary } from "../../../src/host/index.js";
import { REPO_ROOT } from "../../support/test-workloads.js";
import { tempDir } from "../../support/temp-dir.js";

/** A package root like the built one: modules/ and, when given, the index the build writes. */
function packageRoot(index?: string): string {
  const dir = tempDir("voxnix-package-");
  cpSync(join(REPO_ROOT, "modules"), join(dir, "modules"), { recursive: true });
  if (index !== undefined) writeFileSync(join(dir, "module-index.json"), index);
  return dir;
}

describe("readModuleLibrary", () => {
  it("serves the index the package build evaluated, not its own reading of the files", async () => {
    const dir = packageRoot(JSON.stringify({ zsh: "The Z shell", git: "Git, configured" }));
    expect(await readModuleLibrary(dir)).toEqual([
      { name: "git", description: "Git, configured" },
      { name: "zsh", description: "The Z shell" },
    ]);
  });

  it("reads the module files in a checkout, which has no index", async () => {
    const names = (await readModuleLibrary(packageRoot())).map((m) => m.name);
    expect(names).toEqual(["devtools", "fish", "git", "tailscale", "workspace"]);
  });

  it.each([
    ["not JSON", "{ nope", "is not JSON"],
    ["a list", "[]", "must map module names to descriptions"],
    ["a bad name", JSON.stringify({ "Bad Name": "x" }), 'bad entry "Bad Name"'],
    ["an empty description", JSON.stringify({ git: "" }), 'bad entry "git"'],
    ["no modules", "{}", "no modules in"],
  ])("refuses an index that is %s", async (_, index, message) => {
    await expect(readModuleLibrary(packageRoot(index))).rejects.toThrow(message);
  });

  it("says which directory it could not read", async () => {
    const dir = tempDir("voxnix-package-");
    mkdirSync(join(dir, "elsewhere"));
    await expect(readModuleLibrary(dir)).rejects.toThrow(
      `cannot read the module library at ${dir}/modules`,
    );
  });
});
