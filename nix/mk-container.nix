# mkContainer (the flake's lib.mkContainer): the system of a voxnix container, evaluated on
# its own: what nixos-containers.nix evaluates for `containers.<name>.config`, without a NixOS
# host around it. The daemon builds it once per
# module set (src/host/container-systems.ts):
#
#   nix-build --out-link … -E 'import <voxnix>/nix/mk-container.nix {
#     modules = (builtins.fromJSON (builtins.readFile <state>/specs/<name>.json)).modules; }'
#
# It takes the module names and nothing else, so nothing about one container (name, owner,
# paths, limits: all host-side, src/host/container-files.ts) can give it a closure of its own.
{
  modules,
  modulesDir ? ../modules,
  nixpkgs ? <nixpkgs>,
  system ? builtins.currentSystem,
}:
let
  selected = import ./container-modules.nix { inherit modules modulesDir; };
  evaluated = import (nixpkgs + "/nixos/lib/eval-config.nix") {
    # The platform comes from nixpkgs.hostPlatform below, as in nixos-containers.nix.
    system = null;
    modules = [
      # What nixos-containers.nix adds to every container's configuration (its hostName default
      # is overridden by container-base.nix anyway).
      {
        nixpkgs.hostPlatform = system;
        boot.isContainer = true;
        networking.useDHCP = false;
      }
      # nixpkgs 25.05 (PR 345899) also sets boot.isNspawnContainer in every declared container;
      # 24.11 has no such option. Set where it exists, so the system stays the declared one's.
      (
        { lib, options, ... }:
        {
          config = lib.optionalAttrs (options.boot ? isNspawnContainer) {
            boot.isNspawnContainer = true;
          };
        }
      )
    ] ++ selected.nixosModules;
  };
in
evaluated.config.system.build.toplevel
