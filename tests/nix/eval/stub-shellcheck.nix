# The nixpkgs 24.11 snapshot used for evaluation lacks the Haskell package set, so shellcheck
# cannot be evaluated. A stub whose compiler is unavailable makes writeShellApplication skip
# its check (../../../../shared/nix-eval.md); nothing here is built, only evaluated.
final: prev:
let
  stub = prev.runCommand "shellcheck-stub" { meta.mainProgram = "shellcheck"; } "mkdir -p $out/bin" // {
    compiler = prev.emptyFile // { meta.platforms = [ ]; };
  };
in
{
  shellcheck = stub;
  shellcheck-minimal = stub;
}
