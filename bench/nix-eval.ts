// The Nix cost of a create, with a real nixpkgs (VOXNIX_NIXPKGS, laid out as ../shared/nix-eval.md
// says; skipped without it): extra-container's whole evaluation of one container (host fragment and
// container system), against the container system alone as the baseline, which is what a cache per
// module set could keep. Wall time and peak RSS of each nix-instantiate, median of three.
import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./fixtures.js";

const SPEC = {
  version: 1,
  name: "dev",
  owner: 1001,
  modules: ["fish", "git", "workspace"],
  limits: { cpus: 1, memoryBytes: 2 * 1024 ** 3, tasksMax: 4096 },
  workspace: { hostPath: "/tank/users/1001/containers/dev" },
  tailscale: null,
};

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

export async function benchNixEval() {
  const nixpkgs = process.env.VOXNIX_NIXPKGS;
  if (!nixpkgs) {
    process.stderr.write(
      "nix evaluation: skipped (set VOXNIX_NIXPKGS to a laid-out nixpkgs tree)\n",
    );
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), "voxnix-bench-spec-"));
  const specFile = join(dir, "dev.json");
  writeFileSync(specFile, JSON.stringify(SPEC));
  const container = `import ${REPO_ROOT}/tests/nix/eval/container.nix { repo = ${REPO_ROOT}; tree = ${dirname(nixpkgs)}; specFile = ${specFile}; }`;
  const whole = await measure(`let c = ${container}; in [ c.host c.toplevel ]`, nixpkgs);
  const inner = await measure(`(${container}).toplevel`, nixpkgs);
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      measure: "create's Nix evaluation (host fragment + container system)",
      voxnix: `${whole.seconds.toFixed(1)} s, ${whole.rssMb.toFixed(0)} MB`,
      baseline: `${inner.seconds.toFixed(1)} s, ${inner.rssMb.toFixed(0)} MB (container system alone)`,
      ratio: Number((whole.seconds / inner.seconds).toFixed(2)),
      target: "≤ 3 s for a built module set",
    },
  ];
}
