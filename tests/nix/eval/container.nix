# One container as extra-container evaluates it (its own eval-config.nix, with the fragment that
# mkContainer makes from a spec as `systemConfig`): the host fragment and the container system.
{ repo, tree, specFile }:
let
  spec = builtins.fromJSON (builtins.readFile specFile);
  evaluated = import (tree + "/extra-container/eval-config.nix") {
    nixosPath = tree + "/nixpkgs/nixos";
    legacyInstallDirs = false;
    system = "x86_64-linux";
    systemConfig = {
      imports = [ (import (repo + "/nix/mkContainer.nix") { inherit spec; }) ];
      nixpkgs.overlays = [ (import ./stub-shellcheck.nix) ];
    };
  };
in
{
  host = evaluated.config.system.build.etc.drvPath;
  toplevel = evaluated.config.containers.${spec.name}.config.system.build.toplevel.drvPath;
}
