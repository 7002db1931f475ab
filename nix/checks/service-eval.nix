# services.voxnix alone in a NixOS system (evaluation only: nothing of it is built or even
# instantiated), for the evaluation check and tests/nix. The package is a stand-in: what is
# checked is the module, not the daemon's build.
{
  nixpkgs,
  config,
  extraModules ? [ ],
}:
(import (nixpkgs + "/nixos/lib/eval-config.nix") {
  system = "x86_64-linux";
  modules = [
    ../module.nix
    (
      { pkgs, ... }:
      {
        services.voxnix.package = pkgs.writeShellScriptBin "voxnix" "" // {
          meta.mainProgram = "voxnix";
        };
        fileSystems."/".device = "/dev/null";
        boot.loader.grub.enable = false;
        system.stateVersion = "24.11";
      }
    )
    config
  ] ++ extraModules;
}).config
