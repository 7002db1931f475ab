# What can be checked without building anything or KVM: the appliance evaluates to a system,
# services.voxnix's assertions fire exactly when they should, with zfs and with dir storage,
# and the container system of each module (with the workspace) and of all of them evaluates. The check's output is those results; it
# fails to evaluate when one is not as expected. (tests/nix runs the same with a laid-out tree.)
{ pkgs, self }:
let
  inherit (pkgs) lib;
  failed =
    config:
    let
      c = import ./service-eval.nix {
        nixpkgs = pkgs.path;
        inherit config;
      };
    in
    map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  service = settings: extra: {
    services.voxnix = {
      enable = true;
      botTokenFile = "/run/agenix/voxnix-bot-token";
      settings = {
        VOXNIX_ADMINS = [ 1 ];
        LLM_BASE_URL = "http://127.0.0.1:11434/v1";
      } // settings;
    };
    imports = [ extra ];
  };
  library = builtins.attrNames (import ../module-library.nix { });
  # Each module with the workspace every container has, and all of them (every subset would be
  # 32 NixOS evaluations; tests/nix covers each subset's module list without nixpkgs).
  moduleSets = map (m: lib.unique [ m "workspace" ]) library ++ [ library ];
  drvPath = drv: builtins.unsafeDiscardStringContext drv.drvPath;
  results = {
    appliance = drvPath self.nixosConfigurations.appliance.config.system.build.toplevel;
    assertions = {
      dir = failed (service { VOXNIX_STORAGE = "dir"; } { });
      zfs = failed (service { VOXNIX_STORAGE = "zfs"; } {
        boot.supportedFilesystems.zfs = true;
        networking.hostId = "8425e349";
      });
      zfsWithoutSupport = failed (service { VOXNIX_STORAGE = "zfs"; } { });
      noAdmins = failed (service { VOXNIX_STORAGE = "dir"; VOXNIX_ADMINS = [ ]; } { });
    };
    containerSystems = map (
      modules:
      drvPath (
        import ../mk-container.nix {
          inherit modules;
          nixpkgs = pkgs.path;
          inherit (pkgs.stdenv.hostPlatform) system;
        }
      )
    ) moduleSets;
  };
  expected = {
    dir = [ ];
    zfs = [ ];
    zfsWithoutSupport = [
      "services.voxnix.settings.VOXNIX_STORAGE = \"zfs\" needs boot.supportedFilesystems.zfs = true (or \"dir\")."
    ];
    noAdmins = [
      "services.voxnix.settings.VOXNIX_ADMINS: give at least one Telegram user id, or nobody can approve access."
    ];
  };
in
assert lib.assertMsg (results.assertions == expected)
  "voxnix: services.voxnix assertions: expected ${builtins.toJSON expected}, got ${builtins.toJSON results.assertions}";
pkgs.writeText "voxnix-evaluation.json" (builtins.toJSON results)
