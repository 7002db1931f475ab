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
  # The containers' bridge network.
  bridgeAddress = "10.100.0.1";
  bridgePrefixLength = 24;
  dhcpRange = "10.100.0.10,10.100.0.250,12h";
}
