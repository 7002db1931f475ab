# Networking: containers are routed, one veth pair each (ve-NAME on the host), with the address
# voxnix gave them; DNS from dnsmasq on the host's address; NAT to the uplink; and an nftables
# policy in which no container is trusted: each speaks from its own address only, reaches the
# host only for DNS, other containers not at all, and no private range (the LAN, other tailnets'
# CGNAT space) unless allow-listed in settings.nix (tenant-firewall.nix has the rules and why).
#
# nixos-containers' template does the wiring from each conf (HOST_ADDRESS, LOCAL_ADDRESS, no
# HOST_BRIDGE; src/host/container-files.ts): the host's address on ve-NAME and a route for the
# container's address to it (postStartScript), the container's address on its eth0 and a default
# route via the host (containerInit). A route names one interface, so nothing one container
# sends (ARP, NDP, a forged MAC or source address) makes the host take it for another.
{ config, ... }:
let
  settings = import ./settings.nix;
  network = import ./container-network.nix settings.containerNetwork;
  voxnix = config.services.voxnix;
  tenantFirewall = import ./tenant-firewall.nix {
    inherit (settings) uplink lanAllowlist containerNetwork;
    # The egress proxy, only while there are secrets to use through it.
    egressPort =
      if voxnix.secretsKeyFile != null then voxnix.settings.VOXNIX_EGRESS_PORT else null;
  };
in
{
  networking.hostName = settings.hostName;
  networking.useNetworkd = true;
  networking.useDHCP = false;
  networking.interfaces.${settings.uplink}.useDHCP = true;

  # The containers' range goes nowhere unless a running container's own route (ve-NAME, more
  # specific) takes it: traffic for a stopped container's address never leaves by the uplink.
  systemd.network.networks."40-${settings.uplink}".routes = [
    {
      Destination = network.cidr;
      Type = "unreachable";
    }
  ];

  networking.nat = {
    enable = true;
    # By source rather than by interface: tenant-firewall.nix lets nothing from ve-* through
    # whose source is not the container's own address in this range.
    internalIPs = [ network.cidr ];
    externalInterface = settings.uplink;
  };

  # DNS only (addresses are voxnix's, in each conf; no DHCP). The host's address exists only on
  # containers' ve-NAME links, which come and go: bind-dynamic binds it whenever one is up.
  services.dnsmasq = {
    enable = true;
    resolveLocalQueries = false;
    settings = {
      listen-address = network.hostAddress;
      bind-dynamic = true;
    };
  };

  networking.nftables.enable = true;
  networking.nftables.tables = tenantFirewall.tables;
  networking.firewall = {
    enable = true;
    # ve-* is not trusted: containers get only what is opened here (DNS), and the
    # voxnix-tenants table drops the rest before this filter sees it.
    extraInputRules = tenantFirewall.inputAllow;
    # Forwarded traffic from containers: out to the internet only.
    filterForward = true;
    extraForwardRules = tenantFirewall.forwardAllow;
  };
}
