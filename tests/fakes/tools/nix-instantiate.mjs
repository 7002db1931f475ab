// Fake `nix-instantiate`, for what voxnix asks it: `--find-file nixpkgs`, the path `<nixpkgs>`
// names (settings.nixpkgs; a test changes it to stand for an updated nixpkgs).
import { readState } from "../lib/state.mjs";
import { checkpoints, defineTool, die, out } from "../lib/tool.mjs";

export default defineTool("nix-instantiate", async (args) => {
  await checkpoints("nix-instantiate", args, null)();
  const at = args.indexOf("--find-file");
  if (at === -1) die("error: fake nix-instantiate: only --find-file is supported");
  const name = args[at + 1];
  if (name !== "nixpkgs")
    die(
      `error: file '${name}' was not found in the Nix search path (add it using $NIX_PATH or -I)`,
    );
  out(`${readState().settings.nixpkgs}\n`);
});
