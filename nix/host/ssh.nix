# Admin-only SSH: keys from settings.nix, no passwords, root by key only.
let
  settings = import ./settings.nix;
in
{
  services.openssh = {
    enable = true;
    openFirewall = true;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "prohibit-password";
    };
  };
  users.users.root.openssh.authorizedKeys.keys = settings.adminSshKeys;
  users.mutableUsers = false;
}
