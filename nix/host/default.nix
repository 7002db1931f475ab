# The voxnix appliance: a small Hyper-V Gen2 VM (or bare metal) that hosts the containers.
# One concern per file; the admin's own values (ids, keys, disk) are in settings.nix.
{
  imports = [
    ./hyperv.nix
    ./disko.nix
    ./network.nix
    ./ssh.nix
    ./tailnet-admin.nix
    ./secrets.nix
    ./maintenance.nix
    ./voxnix.nix
  ];

  system.stateVersion = "25.05";
}
