# A container's system evaluated for every module the library has, as the daemon builds it:
# the check fails if evaluation throws. Only the derivation's path is kept, so checking builds no
# container system (the VM check builds one). The full matrix runs in `npm test`, tests/nix/.
{ pkgs }:
let
  modules = builtins.attrNames (import ../module-library.nix { });
  system = import ../container-system.nix {
    inherit modules;
    nixpkgs = pkgs.path;
    inherit (pkgs.stdenv.hostPlatform) system;
  };
in
pkgs.writeText "voxnix-container-system" (builtins.unsafeDiscardStringContext system.drvPath)
