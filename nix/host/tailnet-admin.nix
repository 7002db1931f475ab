# The host itself on the tailnet, administered only through it: Tailscale SSH (who may log in is
# the tailnet's ACL, no key is committed here), sshd off, and nothing answering on the uplink.
# Off for the first boot, which needs LAN SSH to get there; turn it on in settings.nix once the
# host's own auth key is in secrets/ (voxnix-host-tailscale-auth-key.age), then deploy over the
# tailnet: `just deploy root@<hostName>` (MagicDNS).
{
  config,
  lib,
  ...
}:
let
  settings = import ./settings.nix;
  cfg = config.voxnix.appliance;
in
{
  options.voxnix.appliance.adminOverTailnet = lib.mkOption {
    type = lib.types.bool;
    default = settings.adminOverTailnet or false;
    description = ''
      Join the host to the tailnet and accept admin logins only through Tailscale SSH: sshd is
      off and no port is open on the uplink (settings.uplink).
    '';
  };

  config = lib.mkIf cfg.adminOverTailnet {
    assertions = [
      {
        assertion = config.age.secrets ? voxnix-host-tailscale-auth-key;
        message = "voxnix.appliance.adminOverTailnet needs secrets/voxnix-host-tailscale-auth-key.age (the host's own auth key; secrets/README.md), or the host would be reachable by nobody.";
      }
    ];
    services.tailscale = {
      enable = true;
      # Read lazily, so that a missing secret is the assertion's message, not a missing attribute.
      authKeyFile =
        (config.age.secrets.voxnix-host-tailscale-auth-key or {
          path = "/run/agenix/voxnix-host-tailscale-auth-key";
        }).path;
      extraUpFlags = [
        "--ssh"
        "--hostname=${settings.hostName}"
      ];
      # Not openFirewall: that opens the WireGuard port on every interface, the uplink too.
      # Without it the host still connects (outbound NAT traversal, DERP relays).
      openFirewall = false;
    };
    services.openssh.enable = lib.mkForce false;
    # agenix finds its identity through sshd's host keys, which vanish from its view with sshd:
    # the key made at first boot stays on disk, so name it.
    age.identityPaths = [ "/etc/ssh/ssh_host_ed25519_key" ];
    users.users.root.openssh.authorizedKeys.keys = lib.mkForce [ ];
    # Tailscale SSH authenticates through the tailnet, so root needs neither a key nor a
    # password; NixOS would otherwise refuse a system nobody can log in to. (For the hypervisor's
    # console, set users.users.root.hashedPassword.)
    users.allowNoPasswordLogin = true;
    networking.firewall.interfaces.${settings.uplink}.allowedTCPPorts = lib.mkForce [ ];
    # Tailscale SSH answers on the tailnet interface only.
    networking.firewall.interfaces.tailscale0.allowedTCPPorts = [ 22 ];
  };
}
