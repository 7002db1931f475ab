# Housekeeping: old generations and unreferenced store paths, monthly ZFS scrub.
# Containers' closures stay alive through extra-container's gcroots (nix/var/nix/gcroots/auto).
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
