# Networking: the containers' bridge br-vox with DHCP/DNS from dnsmasq, NAT to the uplink, and an
# nftables policy in which br-vox is NOT trusted: containers reach the host only for DHCP and DNS,
# each other not at all, and no private range (the LAN, other tailnets' CGNAT space) unless
# allow-listed in settings.nix (tenant-firewall.nix has the rules and why).
{ ... }:
let
  settings = import ./settings.nix;
  tenantFirewall = import ./tenant-firewall.nix {
    inherit (settings) uplink lanAllowlist;
  };
in
{
  networking.hostName = settings.hostName;
  networking.useNetworkd = true;
  networking.useDHCP = false;
  networking.interfaces.${settings.uplink}.useDHCP = true;

  networking.bridges.br-vox.interfaces = [ ];
  # A bridge with no ports has no carrier, and networkd configures no address on a link without
  # one: until the first container attached, br-vox would have no address, dnsmasq (which binds
  # to it) could not start, and wait-online would wait for it. Configure it regardless.
  systemd.network.networks."40-br-vox" = {
    networkConfig.ConfigureWithoutCarrier = true;
    linkConfig.RequiredForOnline = "no";
  };
  networking.interfaces.br-vox.ipv4.addresses = [
    {
      address = settings.bridgeAddress;
      prefixLength = settings.bridgePrefixLength;
    }
  ];

  networking.nat = {
    enable = true;
    internalInterfaces = [ "br-vox" ];
    externalInterface = settings.uplink;
  };

  services.dnsmasq = {
    enable = true;
    resolveLocalQueries = false;
    settings = {
      interface = "br-vox";
      bind-interfaces = true;
      dhcp-range = settings.dhcpRange;
      dhcp-authoritative = true;
    };
  };

  networking.nftables.enable = true;
  networking.nftables.tables = tenantFirewall.tables;
  networking.firewall = {
    enable = true;
    # Not in trustedInterfaces: the tenants' network gets only what is opened below.
    interfaces.br-vox = {
      allowedUDPPorts = [
        53
        67
      ];
      allowedTCPPorts = [ 53 ];
    };
    # Forwarded traffic from containers: out to the internet only.
    filterForward = true;
    extraForwardRules = tenantFirewall.forwardAllow;
  };
}
