// `npm run build`: dist/ as the appliance runs it. One bundle (plus lazily loaded chunks, such as
// the agent with the AI SDK) instead of ~600 module files: resolving and reading those was most
// of the daemon's start-up. Types are checked by `npm run typecheck`, not here. The tests run
// the same bundle (tests/support/bundle.ts), so its options live here once.
import { build } from "esbuild";
import { rmSync } from "node:fs";
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
  // A native addon: it stays in node_modules, loaded by Node itself.
  external: ["better-sqlite3"],
  // Bundled CommonJS dependencies call require(); give the ES module output one.
  banner: {
    js: 'import { createRequire as voxnixRequire } from "node:module"; const require = voxnixRequire(import.meta.url);',
  },
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync("dist", { recursive: true, force: true });
  await build({ ...bundleOptions, outdir: "dist" });
}
