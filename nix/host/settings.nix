# The admin's values for this appliance. Edit before `just provision`; everything else reads here.
{
  hostName = "voxnix";
  # The disk disko partitions (wiped by `just provision`).
  disk = "/dev/sda";
  # The uplink interface (Hyper-V's synthetic NIC is eth0).
  uplink = "eth0";
  # Telegram user ids (ask @userinfobot).
  admins = [ 123456789 ];
  users = [ ];
  # SSH public keys allowed to log in as root (admins only).
  adminSshKeys = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithYourOwnKeyxxxxxxxxxx admin@laptop"
  ];
  # After the first boot: the host on the tailnet, admin SSH only through Tailscale SSH, nothing
  # open on the uplink (nix/host/tailnet-admin.nix). Needs secrets/voxnix-host-tailscale-auth-key.age.
  adminOverTailnet = false;
  # Private ranges containers may reach anyway (a LAN printer, a homelab service), as CIDRs.
  lanAllowlist = [ ];
  # The containers' network: the host is its first address, and voxnix gives each container one
  # of the others, routed to that container alone (network.nix; the daemon's
  # VOXNIX_CONTAINER_NETWORK, set from this in voxnix.nix). A /24 holds 253 containers.
  containerNetwork = "10.100.0.0/24";
}
