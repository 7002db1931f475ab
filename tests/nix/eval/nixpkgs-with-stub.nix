# `import nixpkgs { … }` for flake.nix: the laid-out tree (VOXNIX_NIXPKGS) with the shellcheck stub.
args:
import (/. + builtins.getEnv "VOXNIX_NIXPKGS") (
  args // { overlays = (args.overlays or [ ]) ++ [ (import ./stub-shellcheck.nix) ]; }
)
