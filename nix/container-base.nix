# What every voxnix container is, whatever its modules. Nothing here depends on the container's
# name, owner or paths: those stay host-side (bind mounts, the machine name nspawn provides), so
# every container with the same module set shares one system closure and needs no new build.
{ lib, pkgs, ... }:
{
  # nixos-containers sets `networking.hostName = mkDefault name`, which would give each container
  # its own closure (/etc/hostname). Without it, the hostname is the machine name nspawn sets.
  networking.hostName = lib.mkOverride 900 "";

  # eth0 arrives configured: nixos-containers' init gives it the address voxnix assigned (the
  # conf's LOCAL_ADDRESS, a /32), a route to the host and the default route via it
  # (HOST_ADDRESS). Nothing in here manages eth0 (networkd would drop addresses and routes it did
  # not make), as for any NixOS container declared with localAddress.
  networking.useHostResolvConf = lib.mkForce false;
  services.resolved.enable = true;
  # DNS is the host's dnsmasq on that gateway address, which a system cannot know when it is
  # built (one system per module set, whatever the host's network): asked of the route instead.
  systemd.services.voxnix-dns = {
    description = "DNS from the host (the default gateway)";
    wantedBy = [ "multi-user.target" ];
    wants = [ "systemd-resolved.service" ];
    after = [ "systemd-resolved.service" ];
    before = [ "network-online.target" ];
    path = [ pkgs.iproute2 ];
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
    };
    script = ''
      gateway=$(ip -4 route show default | sed -n 's/^default via \([0-9.]*\).*/\1/p')
      resolvectl dns eth0 "$gateway"
      resolvectl domain eth0 "~."
    '';
  };

  # Secrets used, never read (docs/security.md): the host binds /run/voxnix/egress read-only
  # into the container and rewrites `env` there whenever its secret uses change. Login shells
  # read it as they start, so an agent started afterwards gets the egress proxy's URL and a
  # placeholder key without a rebuild; nothing in it is a secret. Absent on hosts without secrets.
  environment.extraInit = ''
    if [ -r /run/voxnix/egress/env ]; then
      set -a
      . /run/voxnix/egress/env
      set +a
    fi
  '';

  # Tenants own their container; the host firewall (nix/host/network.nix) guards the host.
  networking.firewall.enable = false;

  system.stateVersion = "25.05";
}
