// `npm run build`: dist/ as the appliance runs it. One bundle (plus lazily loaded chunks, such as
// the agent with the AI SDK) instead of ~600 module files: resolving and reading those was most
// of the daemon's start-up. Types are checked by `npm run typecheck`, not here.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/main.ts"],
  outdir: "dist",
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
});
