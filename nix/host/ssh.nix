# Admin-only SSH: keys from settings.nix, no passwords, root by key only, and only on the uplink:
# openFirewall would open port 22 on every interface, the containers' ve-* links included.
let
  settings = import ./settings.nix;
in
{
  networking.firewall.interfaces.${settings.uplink}.allowedTCPPorts = [ 22 ];
  services.openssh = {
    enable = true;
    openFirewall = false;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "prohibit-password";
    };
  };
  users.users.root.openssh.authorizedKeys.keys = settings.adminSshKeys;
  users.mutableUsers = false;
}
