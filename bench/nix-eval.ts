// The Nix cost of a create, with a real nixpkgs (VOXNIX_NIXPKGS, laid out as ../shared/nix-eval.md
// says; skipped without it). Baseline: what one create evaluated when extra-container installed
// containers (its host fragment and the container system: a NixOS evaluation per container).
// voxnix: the container system alone for a module set not built yet, and for one already built,
// everything the daemon does before installing (nixpkgs lookup, fingerprint, root lookup).
// Wall time and peak RSS of each nix-instantiate, median of three.
import { execa } from "execa";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRunner, hostToolEnvironment } from "../src/host/run.js";
import { containerSystems } from "../src/host/container-systems.js";
import { createLogger } from "../src/log.js";
import { REPO_ROOT } from "./fixtures.js";

const MODULES = ["fish", "git", "workspace"];

async function measure(expression: string, nixpkgs: string) {
  const runs: { seconds: number; rssMb: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const { stderr } = await execa(
      "/usr/bin/time",
      ["-f", "%e %M", "nix-instantiate", "--eval", "--strict", "--json", "-E", expression],
      { env: { VOXNIX_NIXPKGS: nixpkgs, NIX_PATH: `nixpkgs=${nixpkgs}` }, timeout: 300_000 },
    );
    const [seconds, kb] = String(stderr).trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
    runs.push({ seconds: seconds ?? NaN, rssMb: (kb ?? NaN) / 1024 });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[1] ?? NaN;
  return { seconds: median(runs.map((r) => r.seconds)), rssMb: median(runs.map((r) => r.rssMb)) };
}

/** The daemon's own lookup of a built module set, through the real runner and nix-instantiate. */
async function builtLookup(nixpkgs: string, system: string) {
  const gcrootDir = mkdtempSync(join(tmpdir(), "voxnix-bench-roots-"));
  const runner = createRunner({
    log: createLogger({ level: "silent" }),
    env: hostToolEnvironment({ ...process.env, NIX_PATH: `nixpkgs=${nixpkgs}` }),
  });
  const systems = containerSystems(runner, { nixDir: REPO_ROOT, gcrootDir, buildTimeoutMs: 0 });
  // Stand in for the root the first create's nix-build left: a store path that exists.
  const { link } = await systems.forModules(MODULES);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(system, link);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const found = await systems.forModules(MODULES);
    times.push((performance.now() - started) / 1000);
    if (found.built !== system) throw new Error("bench: the built system was not found");
  }
  rmSync(gcrootDir, { recursive: true, force: true });
  return times.sort((a, b) => a - b)[2] ?? NaN;
}

export async function benchNixEval() {
  const nixpkgs = process.env.VOXNIX_NIXPKGS;
  if (!nixpkgs) {
    process.stderr.write(
      "nix evaluation: skipped (set VOXNIX_NIXPKGS to a laid-out nixpkgs tree)\n",
    );
    return [];
  }
  const tree = dirname(nixpkgs);
  const container = `import ${REPO_ROOT}/tests/nix/eval/container.nix { repo = ${REPO_ROOT}; tree = ${tree}; name = "dev"; workspace = "/tank/users/1001/containers/dev"; modules = ${JSON.stringify(MODULES).replaceAll(",", " ")}; }`;
  const before = await measure(`let c = ${container}; in [ c.host c.toplevel ]`, nixpkgs);
  const system = `(import ${REPO_ROOT}/nix/mk-container.nix { modules = ${JSON.stringify(MODULES).replaceAll(",", " ")}; nixpkgs = ${nixpkgs}; })`;
  const unbuilt = await measure(`${system}.drvPath`, nixpkgs);
  // A directory shaped like a store path stands for the built system: the lookup checks only
  // that the root's target looks like one and is there.
  const fakeSystem = join(
    mkdtempSync(join(tmpdir(), "voxnix-bench-store-")),
    `${"0".repeat(32)}-nixos-system-bench`,
  );
  mkdirSync(fakeSystem);
  const built = await builtLookup(nixpkgs, fakeSystem);
  rmSync(dirname(fakeSystem), { recursive: true, force: true });
  const old = `${before.seconds.toFixed(1)} s, ${before.rssMb.toFixed(0)} MB (extra-container: host fragment + system, every create)`;
  return [
    {
      measure: "create's Nix evaluation, module set not built yet",
      voxnix: `${unbuilt.seconds.toFixed(1)} s, ${unbuilt.rssMb.toFixed(0)} MB (container system alone)`,
      baseline: old,
      ratio: Number((unbuilt.seconds / before.seconds).toFixed(2)),
      target: "below the baseline",
    },
    {
      measure: "create's Nix evaluation, module set already built",
      voxnix: `${built.toFixed(3)} s (no evaluation: nixpkgs lookup and GC-root check)`,
      baseline: old,
      ratio: Number((built / before.seconds).toFixed(3)),
      target: "≤ 3 s",
    },
  ];
}
