# services.voxnix with the Mini App (nix/checks/service-eval.nix): the failed assertions'
# messages, the daemon's web settings, and the unit that publishes it with tailscale serve.
{
  repo,
  tree,
  config,
}:
let
  c = import (repo + "/nix/checks/service-eval.nix") {
    nixpkgs = tree + "/nixpkgs";
    inherit config;
    extraModules = [ { nixpkgs.overlays = [ (import ./stub-shellcheck.nix) ]; } ];
  };
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
in
if failed != [ ] then
  { inherit failed; }
else
  {
    failed = [ ];
    environment = {
      inherit (c.systemd.services.voxnix.environment) VOXNIX_WEB_LISTEN;
      VOXNIX_WEB_URL = c.systemd.services.voxnix.environment.VOXNIX_WEB_URL or null;
    };
    serve =
      if c.systemd.services ? voxnix-web then
        {
          inherit (c.systemd.services.voxnix-web.serviceConfig) ExecStart ExecStop;
          inherit (c.systemd.services.voxnix-web) bindsTo;
        }
      else
        null;
  }
