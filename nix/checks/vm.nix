# NixOS VM test: the service on a real NixOS host with stub Telegram and LLM endpoints on
# loopback, then the container lifecycle through the admin CLI with the real extra-container,
# nixos-container, machinectl and systemd. Needs a Linux machine with KVM:
#   nix build .#checks.x86_64-linux.vm -L
# It cannot run on the development machines (no KVM, no Nix store builds): see docs/operations.md.
{ pkgs, self }:
pkgs.testers.runNixOSTest {
  name = "voxnix";

  nodes.host =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.voxnix ];
      virtualisation = {
        memorySize = 4096;
        diskSize = 8192;
        writableStore = true; # extra-container builds the container's system inside the VM
      };
      # Bridge for the containers (the appliance's nix/host/network.nix does this with DHCP).
      networking.bridges.br-vox.interfaces = [ ];
      networking.interfaces.br-vox.ipv4.addresses = [
        {
          address = "10.100.0.1";
          prefixLength = 24;
        }
      ];

      # A test token in the store is fine here; on the appliance it comes from agenix.
      environment.etc."voxnix-test/bot-token".text = "123456:test-token";
      services.voxnix = {
        enable = true;
        botTokenFile = "/etc/voxnix-test/bot-token";
        settings = {
          VOXNIX_ADMINS = [ 1001 ];
          LLM_BASE_URL = "http://127.0.0.1:8081/v1";
          VOXNIX_STORAGE = "dir";
          TELEGRAM_API_ROOT = "http://127.0.0.1:8080";
        };
      };

      # Stubs: a Bot API that answers getMe/getUpdates, an LLM that answers every completion.
      systemd.services.stub-endpoints = {
        wantedBy = [ "multi-user.target" ];
        before = [ "voxnix.service" ];
        serviceConfig.ExecStart = "${pkgs.python3}/bin/python3 ${./stub-endpoints.py}";
      };
    };

  testScript = ''
    host.wait_for_unit("stub-endpoints.service")
    host.wait_for_unit("multi-user.target")
    host.wait_until_succeeds("journalctl -u voxnix | grep -q 'registry reconciled'")

    host.succeed("voxnix doctor")
    host.succeed("voxnix create dev --modules git --as 1001")
    host.succeed("test -e /etc/nixos-containers/dev.conf")
    host.succeed("machinectl show dev --property=State | grep -q running")
    host.succeed("nixos-container run dev -- git --version")
    host.succeed("voxnix ls --all --json | grep -q '\"state\": \"running\"'")
    host.succeed("voxnix stop dev && voxnix start dev")
    host.succeed("voxnix destroy dev --yes")
    host.fail("test -e /etc/nixos-containers/dev.conf")
    host.succeed("voxnix trash ls | grep -q dev-")
  '';
}
