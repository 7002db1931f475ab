// `npm run build`: dist/ as the appliance runs it. One bundle (plus lazily loaded chunks, such as
// the agent with the AI SDK) instead of ~600 module files: resolving and reading those was most
// of the daemon's start-up. Types are checked by `npm run typecheck`, not here. The tests run
// the same bundle (tests/support/bundle.ts), so its options live here once.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * esbuild options for the daemon's bundle; the caller adds where it goes.
 * @type {import("esbuild").BuildOptions}
 */
export const bundleOptions = {
  entryPoints: [fileURLToPath(new URL("src/main.ts", import.meta.url))],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  sourcemap: true,
  // Native addons: they stay in node_modules, loaded by Node itself. ws only tries the optional
  // two (in a try), which voxnix does not install.
  external: ["better-sqlite3", "node-pty", "bufferutil", "utf-8-validate"],
  // Bundled CommonJS dependencies call require(); give the ES module output one.
  banner: {
    js: 'import { createRequire as voxnixRequire } from "node:module"; const require = voxnixRequire(import.meta.url);',
  },
  logLevel: "warning",
};

const SPAWN_HELPER = fileURLToPath(new URL("src/host/spawn-helper.c", import.meta.url));

/**
 * voxnix-spawn (src/host/spawn-helper.c) compiled to `path`, where the daemon's bundle looks for
 * it: false when this machine has no C compiler (the daemon then forks for each host command,
 * and says so). A compiler that fails is an error: the source is ours.
 * @param {string} path
 */
export function buildSpawnHelper(path) {
  const cc = process.env.CC || "cc";
  const partial = `${path}.${process.pid}.partial`;
  try {
    execFileSync(cc, ["-O2", "-Wall", "-Wextra", "-o", partial, SPAWN_HELPER], {
      stdio: ["ignore", "inherit", "inherit"],
    });
  } catch (error) {
    rmSync(partial, { force: true });
    if (error.code === "ENOENT") return false;
    throw error;
  }
  renameSync(partial, path);
  return true;
}

const CLIENT = fileURLToPath(new URL("src/web/client/", import.meta.url));

/**
 * The Mini App's page (src/web/): index.html, app.js and app.css in `outdir`, which the daemon
 * serves from memory. Preact, xterm.js and uPlot are bundled in; nothing is fetched elsewhere.
 * @param {string} outdir
 */
export async function buildWebClient(outdir) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(CLIENT, "main.tsx") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome109", "safari15", "firefox115"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    outdir,
    logLevel: "warning",
  });
  copyFileSync(join(CLIENT, "index.html"), join(outdir, "index.html"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync("dist", { recursive: true, force: true });
  await build({ ...bundleOptions, outdir: "dist" });
  if (!buildSpawnHelper("dist/voxnix-spawn"))
    console.warn(
      "build: no C compiler (cc): dist/ has no voxnix-spawn, so the daemon forks for host commands",
    );
  await buildWebClient("dist/web");
}
