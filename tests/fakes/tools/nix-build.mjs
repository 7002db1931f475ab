// Fake `nix-build`, for the one expression voxnix builds: a container system
// (nix/mk-container.nix) for the modules of a spec that the expression names by absolute
// path. It cannot evaluate NixOS, so it reads the spec and the module library itself; what is
// observable afterwards is the real tool's: the Nix error on stderr (rc 1) for an unknown module,
// build output on stderr, the out path on stdout, the --out-link symlink, and an out path that
// depends only on the module set. A system already in the store builds nothing (no delay).
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { paths, readState } from "../lib/state.mjs";
import { checkpoints, defineTool, die, err, out, sleep } from "../lib/tool.mjs";

function parse(args) {
  const options = { outLink: undefined, expr: undefined };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out-link" || args[i] === "-o") options.outLink = args[++i];
    else if (args[i] === "-E" || args[i] === "--expr") options.expr = args[++i];
  }
  return options;
}

function modulesOf(expr) {
  const nixDir = /import (\/\S+)\/nix\/mk-container\.nix/.exec(expr)?.[1];
  const specPath = /builtins\.readFile (\/[^\s)]+\.json)/.exec(expr)?.[1];
  if (!nixDir || !specPath)
    die("error: fake nix-build: expected import …/nix/mk-container.nix on a spec file");
  if (!existsSync(specPath))
    die(`error: getting status of '${specPath}': No such file or directory`);
  const modules = JSON.parse(readFileSync(specPath, "utf8")).modules ?? [];
  const known = readdirSync(join(nixDir, "modules"))
    .filter((f) => f.endsWith(".nix"))
    .map((f) => f.slice(0, -4))
    .sort();
  const unknown = modules.find((m) => !known.includes(m));
  if (unknown !== undefined)
    die(`error: voxnix: unknown module "${unknown}" (known: ${known.join(", ")})`);
  return [...new Set(modules)].sort();
}

export default defineTool("nix-build", async (args) => {
  const checkpoint = checkpoints("nix-build", args, null);
  const { outLink, expr } = parse(args);
  if (expr === undefined) die("error: fake nix-build: only -E EXPR is supported");
  await checkpoint("before");
  const modules = modulesOf(expr);
  const hash = createHash("sha256").update(modules.join(",")).digest("hex").slice(0, 32);
  const store = join(paths().root, "nix/store");
  const system = join(store, `${hash}-nixos-system-unnamed-25.05`);
  if (!existsSync(system)) {
    err(
      `these 1 derivations will be built:\n  ${store}/${hash.split("").reverse().join("")}-nixos-system-unnamed-25.05.drv\n`,
    );
    const { buildDelayMs } = readState().settings;
    if (buildDelayMs > 0) await sleep(buildDelayMs);
    await checkpoint("output");
    mkdirSync(system, { recursive: true });
  }
  if (outLink !== undefined) {
    // nix-build replaces the link in one step, through a temporary of its own (two builds of
    // one module set at once both link it).
    const temporary = `${outLink}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    symlinkSync(system, temporary);
    renameSync(temporary, outLink);
  }
  out(`${system}\n`);
});
