# What the containers' network may do, as nftables rules in pure Nix (no nixpkgs), so that the
# netns test (tests/host/tenant-firewall.test.ts) loads exactly these rules into real kernels.
#
# - `tables.voxnix-tenants` drops, ahead of NixOS's own forward filter (a drop in any base chain
#   is final), what containers must not reach: private IPv4 ranges (the LAN, CGNAT space other
#   tailnets use) unless allow-listed, and any forwarded IPv6. br-vox has no IPv6 prefix, so all
#   a container could send over IPv6 is towards the LAN's or the host's networks; NixOS's
#   forward-allow chain accepts ICMPv6 before any rule of ours, so the drop cannot live there.
# - `tables.voxnix-isolation` (bridge family) drops every frame from one container's port to
#   another's, so tenants cannot reach each other over IPv4, IPv6 or ARP. Frames to and from
#   the bridge itself (DHCP and DNS on the host) are not forwarded, so it does not see them.
# - `forwardAllow` goes into NixOS's forward-allow chain: out over the uplink, nothing else.
{
  bridge ? "br-vox",
  uplink,
  lanAllowlist ? [ ],
}:
let
  set = list: "{ ${builtins.concatStringsSep ", " list} }";
  privateRanges = [
    "10.0.0.0/8"
    "172.16.0.0/12"
    "192.168.0.0/16"
    "100.64.0.0/10"
    "169.254.0.0/16"
  ];
in
{
  tables = {
    voxnix-tenants = {
      family = "inet";
      content = ''
        chain forward {
          type filter hook forward priority filter - 1; policy accept;
          iifname "${bridge}" meta nfproto ipv6 drop
          ${
            if lanAllowlist != [ ] then ''iifname "${bridge}" ip daddr ${set lanAllowlist} accept'' else ""
          }
          iifname "${bridge}" ip daddr ${set privateRanges} drop
        }
      '';
    };
    voxnix-isolation = {
      family = "bridge";
      # nspawn names a container's host-side port vb-<name> (--network-bridge): any two of them,
      # on br-vox or another nspawn bridge. (Not `meta ibrname`: kernels without nft_meta_bridge
      # refuse it.)
      content = ''
        chain forward {
          type filter hook forward priority filter; policy accept;
          iifname "vb-*" oifname "vb-*" drop
        }
      '';
    };
  };

  forwardAllow = ''
    iifname "${bridge}" oifname "${uplink}" accept
  '';
}
