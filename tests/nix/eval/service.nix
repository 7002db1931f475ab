# services.voxnix alone in a NixOS system, with `config` merged in (nix/checks/service-eval.nix):
# the failed assertions' messages, or with `show = "unit"` the unit's environment and the
# warnings.
{
  repo,
  tree,
  config,
  show ? "assertions",
}:
let
  c = import (repo + "/nix/checks/service-eval.nix") {
    nixpkgs = tree + "/nixpkgs";
    inherit config;
    extraModules = [ { nixpkgs.overlays = [ (import ./stub-shellcheck.nix) ]; } ];
  };
in
if show == "unit" then
  {
    inherit (c.systemd.services.voxnix) environment;
    inherit (c) warnings;
  }
else
  map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions)
