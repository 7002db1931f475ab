import { execa, execaSync } from "execa";
import { locateOnPath } from "../../src/host/locate.js";

/**
 * Whether real Nix evaluation works here (Debian: `apt-get install nix-bin`; .ci/run does it).
 * On PATH is not enough: as a user who cannot reach the Nix store's daemon socket, every
 * evaluation fails, and those tests must then say why they skip rather than fail.
 */
export const hasNix =
  locateOnPath("nix-instantiate", process.env.PATH ?? "") !== undefined &&
  execaSync("nix-instantiate", ["--eval", "-E", "1"], { reject: false, timeout: 30_000 })
    .exitCode === 0;
export const NIX_SKIP_REASON =
  "needs nix-instantiate that can evaluate here: apt-get install nix-bin, as root (CI does both)";

/** Evaluates `expression` strictly to JSON with the real evaluator. */
export async function nixEval(expression: string, timeoutMs = 60_000): Promise<unknown> {
  const { stdout } = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    { timeout: timeoutMs },
  );
  return JSON.parse(stdout);
}

/** The evaluator's error text for `expression`, which must fail. */
export async function nixEvalError(expression: string): Promise<string> {
  const result = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    { reject: false, timeout: 60_000 },
  );
  if (result.exitCode === 0) throw new Error(`expected evaluation to fail: ${expression}`);
  return String(result.stderr);
}
