# Housekeeping: old generations and unreferenced store paths, monthly ZFS scrub.
# Containers' systems stay alive through voxnix's GC roots (/nix/var/nix/gcroots/voxnix: one per
# container, and one per module set built from the current voxnix and nixpkgs).
{
  nix.settings.experimental-features = [
    "nix-command"
    "flakes"
  ];
  nix.gc = {
    automatic = true;
    dates = "weekly";
    options = "--delete-older-than 14d";
  };
  nix.optimise.automatic = true;
  services.zfs.autoScrub = {
    enable = true;
    interval = "monthly";
  };
  services.zfs.trim.enable = true;
  boot.loader.systemd-boot.configurationLimit = 10;
}
