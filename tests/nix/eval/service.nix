# services.voxnix alone in a NixOS system, with `config` merged in (nix/checks/service-eval.nix):
# the failed assertions' messages, with `show = "unit"` the unit's environment and the
# warnings, or with `show = "confinement"` the unit file systemd reads and the tmpfiles rules.
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
else if show == "confinement" then
  {
    unit = c.systemd.units."voxnix.service".text;
    tmpfiles = c.systemd.tmpfiles.rules;
    # 24.11 hashes the triggers into one file: compared as paths instead.
    restartTriggers = map toString c.systemd.services.voxnix.restartTriggers;
    containerTemplate = toString c.systemd.units."container@.service".unit;
  }
else
  map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions)
