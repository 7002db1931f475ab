# The reference for how voxnix installs a container: the same container declared the NixOS way
# (`containers.<name>`, evaluated by nixos-containers.nix through extra-container's minimal
# eval-config), with the host settings voxnix gives it (src/host/container-files.ts). Its
# system, conf and unit are what voxnix's own install must match (tests/nix/nixpkgs-eval.test.ts).
{
  repo,
  tree,
  name,
  modules,
  workspace,
  localAddress,
  hostAddress ? "10.100.0.1",
  keyFile ? null,
  # voxnix's user range: on 24.11, which has no privateUsers option, a declared container gets
  # it through extraFlags (as nixpkgs PR 362210's author compared them), and /dev/net/tun as
  # that PR allows it for every container with private users and a private network.
  uidBase ? null,
}:
let
  selected = import (repo + "/nix/container-modules.nix") { inherit modules; };
  tun = keyFile != null;
  users = uidBase != null;
  evaluated = import (tree + "/extra-container/eval-config.nix") {
    nixosPath = tree + "/nixpkgs/nixos";
    legacyInstallDirs = false;
    system = "x86_64-linux";
    systemConfig = {
      containers.${name} = {
        autoStart = true;
        privateNetwork = true;
        inherit hostAddress localAddress;
        bindMounts =
          {
            "/workspace" = {
              hostPath = workspace;
              isReadOnly = false;
            };
          }
          // (
            if tun then
              {
                "/run/voxnix/tailscale-auth-key" = {
                  hostPath = keyFile;
                  isReadOnly = true;
                };
                "/dev/net/tun" = {
                  hostPath = "/dev/net/tun";
                  isReadOnly = false;
                };
              }
            else
              { }
          );
        allowedDevices =
          if tun || users then
            [
              {
                node = "/dev/net/tun";
                modifier = "rwm";
              }
            ]
          else
            [ ];
        extraFlags =
          if users then
            [
              "--private-users=${toString uidBase}:65536"
              "--private-users-ownership=chown"
            ]
          else
            [ ];
        config.imports = selected.nixosModules;
      };
      nixpkgs.overlays = [ (import ./stub-shellcheck.nix) ];
    };
  };
  inherit (evaluated.config.containers.${name}.config.system.build) toplevel;
  unit = evaluated.config.systemd.services."container@${name}";
in
{
  toplevel = toplevel.drvPath;
  # What extra-container built per create before voxnix installed containers itself.
  host = evaluated.config.system.build.etc.drvPath;
  system = toplevel.outPath;
  conf = evaluated.config.environment.etc."nixos-containers/${name}.conf".text;
  deviceAllow = unit.serviceConfig.DeviceAllow;
  requiresMountsFor = unit.unitConfig.RequiresMountsFor;
  standalone = (import (repo + "/nix/mk-container.nix") {
    inherit modules;
    nixpkgs = tree + "/nixpkgs";
    system = "x86_64-linux";
  }).drvPath;
}
