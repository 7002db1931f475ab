import { execa } from "execa";
import { locateOnPath } from "../../src/host/locate.js";

/** Whether real Nix evaluation is available (Debian: `apt-get install nix-bin`; .ci/run does it). */
export const hasNix = locateOnPath("nix-instantiate", process.env.PATH ?? "") !== undefined;
export const NIX_SKIP_REASON = "needs nix-instantiate: apt-get install nix-bin (CI installs it)";

/** Evaluates `expression` strictly to JSON with the real evaluator. */
export async function nixEval(expression: string): Promise<unknown> {
  const { stdout } = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    { timeout: 60_000 },
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
