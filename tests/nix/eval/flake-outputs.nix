# This repository's flake outputs, evaluated without flakes: the inputs are built from a laid-out
# tree (`tree`: nixpkgs/, extra-container/, agenix/, disko/, as ../../../../shared/nix-eval.md
# lays it out; VOXNIX_NIXPKGS must name tree/nixpkgs), with the shellcheck stub in every
# package set.
{ repo, tree }:
let
  stub = import ./stub-shellcheck.nix;
  nixpkgs = {
    # `import nixpkgs { … }` in flake.nix imports this (it reads VOXNIX_NIXPKGS).
    outPath = ./nixpkgs-with-stub.nix;
    lib = import (tree + "/nixpkgs/lib") // {
      nixosSystem =
        args:
        import (tree + "/nixpkgs/nixos/lib/eval-config.nix") (
          args // { modules = args.modules ++ [ { nixpkgs.overlays = [ stub ]; } ]; }
        );
    };
  };
  disko.nixosModules.disko = tree + "/disko/module.nix";
  agenix = {
    nixosModules.default = tree + "/agenix/modules/age.nix";
    packages.x86_64-linux.default = null; # the dev shell only
  };
  flake = (import (repo + "/flake.nix")).outputs {
    self = flake // { outPath = repo; };
    inherit nixpkgs disko agenix;
  };
in
flake
