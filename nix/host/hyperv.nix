# Hyper-V Gen2: UEFI boot, synthetic devices, the guest integration services.
{ lib, modulesPath, ... }:
{
  imports = [ "${modulesPath}/virtualisation/hyperv-guest.nix" ];

  boot.loader.systemd-boot.enable = true;
  boot.loader.efi.canTouchEfiVariables = true;
  boot.initrd.availableKernelModules = [
    "hv_storvsc"
    "hv_netvsc"
    "hv_vmbus"
    "sd_mod"
  ];
  virtualisation.hypervGuest.enable = true;
  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
}
