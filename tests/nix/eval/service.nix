# services.voxnix alone in a NixOS system, with `config` merged in: the failed assertions'
# messages, or with `show = "unit"` the unit's environment and the warnings (evaluation only:
# nothing of the system is built or even instantiated).
{
  repo,
  tree,
  config,
  show ? "assertions",
}:
let
  evaluated = import (tree + "/nixpkgs/nixos/lib/eval-config.nix") {
    system = "x86_64-linux";
    modules = [
      (repo + "/nix/module.nix")
      { nixpkgs.overlays = [ (import ./stub-shellcheck.nix) ]; }
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
    ];
  };
  c = evaluated.config;
in
if show == "unit" then
  {
    inherit (c.systemd.services.voxnix) environment;
    inherit (c) warnings;
  }
else
  map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions)
