# What every voxnix container is, whatever its modules. Nothing here depends on the container's
# name, owner or paths: those stay host-side (bind mounts, the machine name nspawn provides), so
# every container with the same module set shares one system closure and needs no new build.
{ lib, ... }:
{
  # nixos-containers sets `networking.hostName = mkDefault name`, which would give each container
  # its own closure (/etc/hostname). Without it, the hostname is the machine name nspawn sets.
  networking.hostName = lib.mkOverride 900 "";

  # eth0 on the host bridge br-vox; the appliance's dnsmasq answers DHCP and DNS.
  networking.useNetworkd = true;
  networking.useHostResolvConf = lib.mkForce false;
  systemd.network.networks."10-eth0" = {
    matchConfig.Name = "eth0";
    networkConfig.DHCP = "yes";
  };
  services.resolved.enable = true;

  # Tenants own their container; the host firewall (nix/host/network.nix) guards the host.
  networking.firewall.enable = false;

  system.stateVersion = "25.05";
}
