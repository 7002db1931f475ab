# What the containers' network may do, as nftables rules in pure Nix (no nixpkgs), so that the
# netns test (tests/host/tenant-firewall.test.ts) loads exactly these rules into real kernels.
#
# Containers are routed, not bridged: nixos-containers' template gives each one a veth pair whose
# host end is ve-NAME, puts the host's address on it and routes the container's own address
# (LOCAL_ADDRESS, from voxnix) to it (postStartScript in nixos-containers.nix, when the conf has
# HOST_ADDRESS/LOCAL_ADDRESS and no HOST_BRIDGE). There is no shared link: ARP, NDP or a forged
# MAC from one container reaches only the host's end of its own pair, and the host's neighbour
# entry for another container lives on that container's ve-NAME, where its route points.
#
# `tables.voxnix-tenants` (inet) holds the rest; a drop in any base chain is final, so these
# drops hold whatever NixOS's own tables accept:
# - prerouting: a container speaks IPv4 from its own address only. The route back to the source
#   must leave by the interface the packet came in on (`fib saddr . iif`): the template routes
#   each container's address to its ve-NAME and nothing else there, so another container's
#   address, the host's, or any other is dropped before the host or conntrack sees it. This is
#   what lets a service on the host take source address X for container X. NixOS's own rpfilter
#   checks the same but lets DHCP ports through with any source; this check has no exception.
#   No IPv6 (NDP, router solicitations, link-local traffic) from a container at all.
# - input: of the host, containers reach DNS on the host's address and ping it, and, with
#   `egressPort`, the egress proxy there (src/egress: secrets used, never read); replies to what
#   the host opened come back. Nothing else of the host (SSH on another address, the tailnet).
# - forward: out over the uplink only, never to another container, never to a private IPv4
#   range (the LAN, CGNAT space other tailnets use) unless allow-listed.
# `inputAllow` and `forwardAllow` go into NixOS's input-allow and forward-allow chains (policy
# drop), which must accept the same traffic for it to pass.
{
  uplink,
  containerNetwork ? "10.100.0.0/24",
  lanAllowlist ? [ ],
  # The daemon's egress proxy (VOXNIX_EGRESS_PORT), when secrets are on; null: none.
  egressPort ? null,
}:
let
  network = import ./container-network.nix containerNetwork;
  host = network.hostAddress;
  set = list: "{ ${builtins.concatStringsSep ", " list} }";
  privateRanges = [
    "10.0.0.0/8"
    "172.16.0.0/12"
    "192.168.0.0/16"
    "100.64.0.0/10"
    "169.254.0.0/16"
  ];
  # nspawn names a container's host-side veth ve-NAME (--network-veth), cut to 15 characters.
  containers = ''iifname "ve-*"'';
  egress =
    if egressPort == null then
      ""
    else
      ''${containers} ip daddr ${host} tcp dport ${toString egressPort} accept'';
in
{
  tables = {
    voxnix-tenants = {
      family = "inet";
      content = ''
        chain prerouting {
          type filter hook prerouting priority raw; policy accept;
          ${containers} meta nfproto ipv6 drop
          ${containers} fib saddr . iif oif missing drop
        }
        chain input {
          type filter hook input priority filter - 1; policy accept;
          ${containers} ct state established,related accept
          ${containers} ip daddr ${host} meta l4proto { tcp, udp } th dport 53 accept
          ${containers} ip daddr ${host} icmp type echo-request accept
          ${egress}
          ${containers} drop
        }
        chain forward {
          type filter hook forward priority filter - 1; policy accept;
          ${containers} oifname != "${uplink}" drop
          ${
            if lanAllowlist != [ ] then ''${containers} ip daddr ${set lanAllowlist} accept'' else ""
          }
          ${containers} ip daddr ${set privateRanges} drop
        }
      '';
    };
  };

  inputAllow = ''
    ${containers} ip daddr ${host} meta l4proto { tcp, udp } th dport 53 accept
    ${egress}
  '';

  forwardAllow = ''
    ${containers} oifname "${uplink}" accept
  '';
}
