// Vitest global set-up: builds the daemon's bundle once per run (build.mjs's options), and tells
// the tests where its entry is. Every voxnix process a test starts runs that bundle: what the
// appliance runs, started in a third of the time a tsx start-up takes (the suite starts hundreds).
//
// Files are named by their content and never removed while they may be in use, so two runs at
// once on different sources (a person and a helper, say) never load each other's chunks.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { buildSpawnHelper, bundleOptions } from "../../build.mjs";

const OUT = fileURLToPath(new URL("../../.test-dist", import.meta.url));
const STALE_MS = 24 * 3600_000;

declare module "vitest" {
  export interface ProvidedContext {
    /** The absolute path of the bundled src/main.ts. */
    voxnixMain: string;
    /** voxnix-spawn built from this run's source, or "" where nothing compiles C. */
    spawnHelper: string;
  }
}

export async function setup(project: TestProject) {
  mkdirSync(OUT, { recursive: true });
  const result = await build({
    ...bundleOptions,
    outdir: OUT,
    entryNames: "[name]-[hash]",
    write: false,
  });
  for (const file of result.outputFiles) {
    // Same name, same content: a file already there is left alone (a reader may hold it).
    if (exists(file.path)) continue;
    const partial = `${file.path}.${process.pid}.partial`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
  const main = result.outputFiles.find((f) => /^main-\w+\.js$/.test(basename(f.path)));
  if (!main) throw new Error("the bundle has no main entry");
  project.provide("voxnixMain", main.path);
  const helper = spawnHelper();
  project.provide("spawnHelper", helper ?? "");
  const current = result.outputFiles.map((f) => f.path);
  removeStale(new Set(helper ? [...current, helper, join(OUT, "voxnix-spawn")] : current));
}

/**
 * voxnix-spawn, named by its source like the bundle's files, for the runners the tests make in
 * their own process; and a link to it by the name the bundle looks for beside itself (its
 * protocol check turns a run on older sources away from a newer helper, rather than misread it).
 */
function spawnHelper(): string | undefined {
  const source = readFileSync(new URL("../../src/host/spawn-helper.c", import.meta.url));
  const key = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const helper = join(OUT, `voxnix-spawn-${key}`);
  if (!exists(helper) && !buildSpawnHelper(helper)) return undefined;
  const link = join(OUT, `voxnix-spawn.${process.pid}.partial`);
  rmSync(link, { force: true });
  linkSync(helper, link);
  renameSync(link, join(OUT, "voxnix-spawn"));
  return helper;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Files of earlier builds, once no run could still be using them. */
function removeStale(current: ReadonlySet<string>) {
  const now = Date.now();
  for (const name of readdirSync(OUT)) {
    const path = join(OUT, name);
    if (current.has(path)) continue;
    if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
  }
}
