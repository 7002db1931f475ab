# The containers' network, from its CIDR (settings.nix `containerNetwork`). The host's address on
# it is the network's first; voxnix gives each container one of the others (src/config.ts reads
# the same CIDR, src/store/addresses.ts hands them out). Each container's address is routed to
# its own interface (ve-NAME) alone, so nothing else is a network here: no bridge, no broadcast.
cidr:
let
  parts = builtins.match "([0-9]+)\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)/([0-9]+)" cidr;
  octet = builtins.elemAt parts;
in
assert parts != null || throw "containerNetwork ${builtins.toJSON cidr}: expected an IPv4 CIDR such as 10.100.0.0/24";
{
  inherit cidr;
  prefixLength = builtins.fromJSON (octet 4);
  # A network's own address ends in an even octet (prefixes up to /30), so its first address is
  # that octet plus one.
  hostAddress = "${octet 0}.${octet 1}.${octet 2}.${toString (builtins.fromJSON (octet 3) + 1)}";
}
