# Disk layout: EFI system partition + one ZFS pool `tank`.
#
# Every dataset uses native ZFS mountpoints (no `legacy` mixed in): voxnix creates
# tank/users/<id> with an explicit mountpoint and everything below inherits it, so renames into
# trash move their mounts along (docs/architecture.md, Storage layout).
let
  settings = import ./settings.nix;
in
{
  boot.supportedFilesystems.zfs = true;
  # ZFS needs a stable 8-hex-digit host id; derived from the host name so it never changes.
  networking.hostId = builtins.substring 0 8 (builtins.hashString "sha256" settings.hostName);

  disko.devices = {
    disk.main = {
      type = "disk";
      device = settings.disk;
      content = {
        type = "gpt";
        partitions = {
          ESP = {
            size = "1G";
            type = "EF00";
            content = {
              type = "filesystem";
              format = "vfat";
              mountpoint = "/boot";
              mountOptions = [ "umask=0077" ];
            };
          };
          zfs = {
            size = "100%";
            content = {
              type = "zfs";
              pool = "tank";
            };
          };
        };
      };
    };
    zpool.tank = {
      type = "zpool";
      rootFsOptions = {
        compression = "zstd";
        acltype = "posixacl";
        xattr = "sa";
        atime = "off";
        mountpoint = "none";
        "com.sun:auto-snapshot" = "false";
      };
      datasets = {
        root = {
          type = "zfs_fs";
          mountpoint = "/";
          options.mountpoint = "/";
        };
        nix = {
          type = "zfs_fs";
          mountpoint = "/nix";
          options.mountpoint = "/nix";
        };
        var = {
          type = "zfs_fs";
          mountpoint = "/var";
          options.mountpoint = "/var";
        };
        # Parent of every user's workspaces: native mountpoint, voxnix manages the children.
        users = {
          type = "zfs_fs";
          options.mountpoint = "/tank/users";
        };
      };
    };
  };
}
