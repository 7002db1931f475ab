{
  description = "Own Tailscale identity with Tailscale SSH (hostname = container name)";

  module =
    { config, lib, pkgs, ... }:
    {
      services.tailscale.enable = true;

      # Enrolment must not block boot: the first `tailscale up` can take longer than the
      # container unit's start timeout (host-cli-reference.md), so it retries in the background.
      systemd.services.voxnix-tailscale-up = {
        description = "Enrol this container in the tailnet";
        after = [ "tailscaled.service" "network-online.target" ];
        wants = [ "tailscaled.service" "network-online.target" ];
        wantedBy = [ "multi-user.target" ];
        serviceConfig = {
          Type = "simple";
          Restart = "on-failure";
          RestartSec = "10s";
        };
        # The key is a read-only bind-mounted root-only file, never in the store or environment.
        script = ''
          ${lib.getExe pkgs.tailscale} up --auth-key=file:/run/voxnix/tailscale-auth-key \
            --hostname="$(${pkgs.hostname}/bin/hostname)" --ssh --reset
        '';
      };
    };
}
