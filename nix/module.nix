# services.voxnix: the daemon as a hardened systemd service on the appliance.
#
# Secrets are file paths (agenix), delivered with LoadCredential, so they never enter the Nix
# store, the unit's environment or a command line. Every other setting becomes the daemon's
# environment (design.md, Configuration); `voxnix config check` shows what the daemon sees.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.voxnix;
  inherit (lib) mkOption types;

  # The daemon's view of its settings, as environment variables.
  environment =
    {
      TELEGRAM_BOT_TOKEN_FILE = "%d/bot-token";
      VOXNIX_ADMINS = lib.concatMapStringsSep "," toString cfg.admins;
      VOXNIX_USERS = lib.concatMapStringsSep "," toString cfg.users;
      VOXNIX_STATE_DIR = "/var/lib/voxnix";
      VOXNIX_STORAGE = cfg.storage.backend;
      ZFS_POOL = cfg.storage.pool;
      ZFS_USER_QUOTA = cfg.storage.userQuota;
      LLM_BASE_URL = cfg.llm.baseUrl;
      LLM_MODEL = cfg.llm.model;
      VOXNIX_BUILD_SLOTS = toString cfg.limits.buildSlots;
      VOXNIX_MAX_CONTAINERS = toString cfg.limits.maxContainers;
      VOXNIX_MAX_CONTAINERS_PER_USER = toString cfg.limits.maxContainersPerUser;
      VOXNIX_DEFAULT_CPUS = toString cfg.limits.defaultCpus;
      VOXNIX_MAX_CPUS = toString cfg.limits.maxCpus;
      VOXNIX_DEFAULT_MEMORY = cfg.limits.defaultMemory;
      VOXNIX_MAX_MEMORY = cfg.limits.maxMemory;
      VOXNIX_TRASH_DAYS = toString cfg.limits.trashDays;
      # extra-container evaluates <nixpkgs/nixos>: containers build from the host's own nixpkgs.
      NIX_PATH = "nixpkgs=${pkgs.path}";
    }
    // lib.optionalAttrs (cfg.llmApiKeyFile != null) { LLM_API_KEY_FILE = "%d/llm-api-key"; }
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = "%d/tailscale-auth-key";
    }
    // lib.mapAttrs (_: toString) cfg.settings;

  # The same settings for the admin's `voxnix` at a root shell. Credentials are systemd's (%d)
  # only inside the unit, so the CLI reads the agenix files directly (root may read them).
  cliEnvironment =
    removeAttrs environment [
      "TELEGRAM_BOT_TOKEN_FILE"
      "LLM_API_KEY_FILE"
      "TAILSCALE_AUTH_KEY_FILE"
    ]
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = cfg.tailscaleAuthKeyFile;
    };
  adminCli = pkgs.writeShellScriptBin "voxnix" ''
    set -a
    ${lib.toShellVars cliEnvironment}
    set +a
    exec ${lib.getExe cfg.package} "$@"
  '';

  # Everything extra-container writes (host-cli-reference.md); created before the unit starts
  # because ProtectSystem=strict cannot bind paths that do not exist.
  writablePaths = [
    "/etc/systemd-mutable/system"
    "/etc/nixos-containers"
    "/nix/var/nix/gcroots/auto"
    "/var/lib/nixos-containers"
  ] ++ lib.optional (cfg.storage.backend == "zfs") "/${cfg.storage.pool}";
in
{
  options.services.voxnix = {
    enable = lib.mkEnableOption "the voxnix Telegram container host";

    package = lib.mkPackageOption pkgs "voxnix" { }; # from this flake's overlay

    botTokenFile = mkOption {
      type = types.str; # a path literal here would copy the secret into the store
      example = "/run/agenix/voxnix-bot-token";
      description = "File holding the Telegram bot token (read via systemd credentials).";
    };

    llmApiKeyFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/agenix/voxnix-llm-api-key";
      description = "File holding the LLM API key; null for a local endpoint that needs none.";
    };

    tailscaleAuthKeyFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/agenix/voxnix-tailscale-auth-key";
      description = ''
        File holding a reusable Tailscale auth key. Each container that selects the `tailscale`
        module gets a root-only copy, bind-mounted read-only. Null disables that module.
      '';
    };

    admins = mkOption {
      type = types.listOf types.ints.positive;
      example = [ 123456789 ];
      description = "Telegram user ids of the admins (they approve access requests).";
    };

    users = mkOption {
      type = types.listOf types.ints.positive;
      default = [ ];
      description = "Telegram user ids allowed without approval; admins approve others in chat.";
    };

    llm = {
      baseUrl = mkOption {
        type = types.str;
        default = "https://openrouter.ai/api/v1";
        example = "http://127.0.0.1:11434/v1";
        description = "Any OpenAI-compatible chat-completions endpoint.";
      };
      model = mkOption {
        type = types.str;
        default = "openai/gpt-4o-mini";
        description = "Model id at that endpoint.";
      };
    };

    storage = {
      backend = mkOption {
        type = types.enum [
          "zfs"
          "dir"
        ];
        default = "zfs";
        description = "Workspace backend; `dir` for hosts without ZFS (no quota).";
      };
      pool = mkOption {
        type = types.str;
        default = "tank";
        description = "ZFS pool (or parent dataset) that holds `users/<id>/…`.";
      };
      userQuota = mkOption {
        type = types.str;
        default = "10G";
        description = "Per-user ZFS quota, live workspaces and trash together.";
      };
    };

    limits = {
      buildSlots = mkOption {
        type = types.ints.positive;
        default = 2;
        description = "Concurrent Nix builds; each takes a slot.";
      };
      maxContainers = mkOption {
        type = types.ints.positive;
        default = 20;
        description = "Containers on this host, all users together.";
      };
      maxContainersPerUser = mkOption {
        type = types.ints.positive;
        default = 5;
        description = "Containers per user.";
      };
      defaultCpus = mkOption {
        type = types.either types.ints.positive types.float;
        default = 1;
        description = "CPUs a container gets unless it asks for others (CPUQuota, 1 = 100%).";
      };
      maxCpus = mkOption {
        type = types.either types.ints.positive types.float;
        default = 4;
        description = "Most CPUs a container may ask for.";
      };
      defaultMemory = mkOption {
        type = types.str;
        default = "2G";
        description = "Memory a container gets unless it asks for other (MemoryMax).";
      };
      maxMemory = mkOption {
        type = types.str;
        default = "8G";
        description = "Most memory a container may ask for.";
      };
      trashDays = mkOption {
        type = types.ints.unsigned;
        default = 7;
        description = "Days a destroyed container's workspace stays restorable.";
      };
    };

    settings = mkOption {
      type = types.submodule { freeformType = with types; attrsOf (oneOf [ str int bool ]); };
      default = { };
      example = {
        LOG_LEVEL = "debug";
        OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318";
      };
      description = "Further daemon environment (design.md, Configuration); overrides the above.";
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.admins != [ ];
        message = "services.voxnix.admins: give at least one Telegram user id, or nobody can approve access.";
      }
      {
        assertion = cfg.storage.backend != "zfs" || config.boot.supportedFilesystems.zfs or false;
        message = "services.voxnix.storage.backend = \"zfs\" needs boot.supportedFilesystems.zfs = true (or backend = \"dir\").";
      }
      {
        assertion = cfg.llmApiKeyFile != null || cfg.llm.baseUrl != "https://openrouter.ai/api/v1";
        message = "services.voxnix.llmApiKeyFile: OpenRouter (the default llm.baseUrl) needs an API key file.";
      }
    ];

    boot.enableContainers = true;
    # Installs extra-container and adds /etc/systemd-mutable/system to the unit search path.
    programs.extra-container.enable = true;

    environment.systemPackages = [ adminCli ];

    systemd.tmpfiles.rules = map (path: "d ${path} 0755 root root - -") writablePaths;

    systemd.services.voxnix = {
      description = "voxnix Telegram container host";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [
        "network-online.target"
        "nix-daemon.socket"
      ] ++ lib.optional (cfg.storage.backend == "zfs") "zfs.target";

      # Exactly the host tools the daemon calls (src/host/), and what extra-container calls.
      path =
        [
          pkgs.extra-container
          pkgs.nixos-container
          config.systemd.package # systemctl, machinectl, journalctl
          config.nix.package
          pkgs.coreutils
          pkgs.gnused
          pkgs.gnugrep
          pkgs.util-linux
        ]
        ++ lib.optional (cfg.storage.backend == "zfs") config.boot.zfs.package;

      # Node ≥ 22.1 keeps compiled code between starts there: a faster start after a deploy.
      environment = environment // {
        NODE_COMPILE_CACHE = "/var/cache/voxnix";
      };

      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} serve";
        LoadCredential =
          [ "bot-token:${cfg.botTokenFile}" ]
          ++ lib.optional (cfg.llmApiKeyFile != null) "llm-api-key:${cfg.llmApiKeyFile}"
          ++ lib.optional (cfg.tailscaleAuthKeyFile != null) "tailscale-auth-key:${cfg.tailscaleAuthKeyFile}";
        StateDirectory = "voxnix";
        StateDirectoryMode = "0700";
        CacheDirectory = "voxnix";
        CacheDirectoryMode = "0700";
        WorkingDirectory = "/var/lib/voxnix";

        Restart = "on-failure";
        RestartSec = "5s";
        # 78 is invalid configuration: restarting cannot fix it (docs/operations.md).
        RestartPreventExitStatus = 78;
        # Let a running build finish or be recorded for reconciliation before the kill.
        TimeoutStopSec = "90s";
        KillMode = "mixed";

        # Root, because extra-container, zfs and machinectl manage the host; the rest narrows it.
        User = "root";
        # These give the daemon a mount namespace of its own whose mounts the host never sees, so
        # zfs runs in PID 1's namespace through nsenter (src/host/mount-namespace.ts): keep
        # CAP_SYS_ADMIN and CAP_SYS_CHROOT (setns), and set no RestrictNamespaces= that denies mnt.
        ProtectSystem = "strict";
        ReadWritePaths = writablePaths;
        ProtectHome = true;
        PrivateTmp = true;
        # Not PrivateDevices: zfs talks to /dev/zfs.
        PrivateDevices = false;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectClock = true;
        ProtectHostname = true;
        ProtectControlGroups = false; # set-property and nspawn units change cgroup limits
        RestrictAddressFamilies = [
          "AF_UNIX" # D-Bus (systemctl, machinectl), the nix daemon
          "AF_INET"
          "AF_INET6" # Telegram and the LLM endpoint, outbound only
          "AF_NETLINK" # zfs and nixos-container run
        ];
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        SystemCallArchitectures = "native";
        UMask = "0077";
      };
    };
  };
}
