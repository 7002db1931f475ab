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
  settings = cfg.settings;

  # A size as the daemon reads it (src/size.ts): digits and a unit.
  size = types.strMatching "[0-9]+(\\.[0-9]+)?[[:space:]]*[KMGTPkmgtp]?([iI]?[bB])?";
  setting =
    type: default: description:
    mkOption { inherit type default description; };

  # Each setting is named once, as the daemon reads it; this is its environment (RFC 42).
  render = value: if builtins.isList value then lib.concatMapStringsSep "," toString value else toString value;
  environment =
    lib.mapAttrs (_: render) settings
    // {
      TELEGRAM_BOT_TOKEN_FILE = "%d/bot-token";
      VOXNIX_STATE_DIR = "/var/lib/voxnix";
      # nix/container-system.nix imports <nixpkgs>: containers build from the host's own nixpkgs.
      NIX_PATH = "nixpkgs=${pkgs.path}";
    }
    // lib.optionalAttrs (cfg.llmApiKeyFile != null) { LLM_API_KEY_FILE = "%d/llm-api-key"; }
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = "%d/tailscale-auth-key";
    }
    // lib.optionalAttrs (cfg.tailscaleOAuthClientSecretFile != null) {
      TAILSCALE_OAUTH_CLIENT_SECRET_FILE = "%d/tailscale-oauth-client-secret";
    };

  # The same settings for the admin's `voxnix` at a root shell. Credentials are systemd's (%d)
  # only inside the unit, so the CLI reads the agenix files directly (root may read them).
  cliEnvironment =
    removeAttrs environment [
      "TELEGRAM_BOT_TOKEN_FILE"
      "LLM_API_KEY_FILE"
      "TAILSCALE_AUTH_KEY_FILE"
      "TAILSCALE_OAUTH_CLIENT_SECRET_FILE"
    ]
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = cfg.tailscaleAuthKeyFile;
    }
    // lib.optionalAttrs (cfg.tailscaleOAuthClientSecretFile != null) {
      TAILSCALE_OAUTH_CLIENT_SECRET_FILE = cfg.tailscaleOAuthClientSecretFile;
    };
  adminCli = pkgs.writeShellScriptBin "voxnix" ''
    set -a
    ${lib.toShellVars cliEnvironment}
    set +a
    exec ${lib.getExe cfg.package} "$@"
  '';

  usesZfs = settings.VOXNIX_STORAGE == "zfs";
  # Everything a container is on the host (src/host/container-install.ts) and what
  # nixos-container destroy removes; created before the unit starts because ProtectSystem=strict
  # cannot bind paths that do not exist. nix-build's --out-link roots are under gcroots/voxnix.
  writablePaths = [
    "/etc/systemd-mutable/system"
    "/etc/nixos-containers"
    "/nix/var/nix/gcroots/voxnix"
    "/nix/var/nix/gcroots/per-container"
    "/nix/var/nix/profiles/per-container"
    "/var/lib/nixos-containers"
  ] ++ lib.optional usesZfs "/${settings.ZFS_POOL}";

  renamed = to: from: lib.mkRenamedOptionModule ([ "services" "voxnix" ] ++ from) [ "services" "voxnix" "settings" to ];
in
{
  # The options this module had before `settings` named each setting as the daemon reads it.
  imports = lib.mapAttrsToList renamed {
    VOXNIX_ADMINS = [ "admins" ];
    VOXNIX_USERS = [ "users" ];
    LLM_BASE_URL = [ "llm" "baseUrl" ];
    LLM_MODEL = [ "llm" "model" ];
    VOXNIX_STORAGE = [ "storage" "backend" ];
    ZFS_POOL = [ "storage" "pool" ];
    ZFS_USER_QUOTA = [ "storage" "userQuota" ];
    VOXNIX_BUILD_SLOTS = [ "limits" "buildSlots" ];
    VOXNIX_MAX_CONTAINERS = [ "limits" "maxContainers" ];
    VOXNIX_MAX_CONTAINERS_PER_USER = [ "limits" "maxContainersPerUser" ];
    VOXNIX_DEFAULT_CPUS = [ "limits" "defaultCpus" ];
    VOXNIX_MAX_CPUS = [ "limits" "maxCpus" ];
    VOXNIX_DEFAULT_MEMORY = [ "limits" "defaultMemory" ];
    VOXNIX_MAX_MEMORY = [ "limits" "maxMemory" ];
    VOXNIX_TRASH_DAYS = [ "limits" "trashDays" ];
  };

  options.services.voxnix = {
    enable = lib.mkEnableOption "the voxnix Telegram container host";

    package = lib.mkPackageOption pkgs "voxnix" { }; # set by this flake's nixosModules.voxnix

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
        File holding a reusable Tailscale auth key: the fallback when there is no OAuth client.
        Each container that selects the `tailscale` module gets a root-only copy, bind-mounted
        read-only, which root inside can read (docs/security.md). Null, with no OAuth client,
        disables that module.
      '';
    };

    tailscaleOAuthClientSecretFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/agenix/voxnix-tailscale-oauth-client-secret";
      description = ''
        File holding the secret of a Tailscale OAuth client (scopes auth_keys and devices:core,
        allowed the tags in settings.TAILSCALE_TAGS); its id goes in
        settings.TAILSCALE_OAUTH_CLIENT_ID. Each container then gets a one-off key of its own
        and its device is deleted when it is destroyed.
      '';
    };

    settings = mkOption {
      description = ''
        The daemon's environment, keyed by the variables it reads (design.md, Configuration;
        `voxnix config check` shows what it sees). Lists become comma-separated values.
        Secrets are never settings: they are the `*File` options above.
      '';
      default = { };
      example = {
        VOXNIX_ADMINS = [ 123456789 ];
        LLM_BASE_URL = "http://127.0.0.1:11434/v1";
        LOG_LEVEL = "debug";
      };
      type = types.submodule {
        freeformType =
          with types;
          attrsOf (oneOf [
            str
            int
            float
            bool
            (listOf ints.positive)
          ]);
        options = {
          VOXNIX_ADMINS = mkOption {
            type = types.listOf types.ints.positive;
            example = [ 123456789 ];
            description = "Telegram user ids of the admins (they approve access requests).";
          };
          VOXNIX_USERS = setting (types.listOf types.ints.positive) [ ] "Telegram user ids allowed without approval; admins approve others in chat.";
          LLM_BASE_URL = mkOption {
            type = types.str;
            default = "https://openrouter.ai/api/v1";
            example = "http://127.0.0.1:11434/v1";
            description = "Any OpenAI-compatible chat-completions endpoint.";
          };
          LLM_MODEL = setting types.str "openai/gpt-4o-mini" "Model id at that endpoint.";
          VOXNIX_STORAGE = setting (types.enum [
            "zfs"
            "dir"
          ]) "zfs" "Workspace backend; `dir` for hosts without ZFS (no quota).";
          ZFS_POOL = setting types.str "tank" "ZFS pool (or parent dataset) that holds `users/<id>/…`.";
          ZFS_USER_QUOTA = setting size "10G" "Per-user ZFS quota, live workspaces and trash together.";
          VOXNIX_BUILD_SLOTS = setting types.ints.positive 2 "Concurrent Nix builds; each takes a slot.";
          VOXNIX_MAX_CONTAINERS = setting types.ints.positive 20 "Containers on this host, all users together.";
          VOXNIX_MAX_CONTAINERS_PER_USER = setting types.ints.positive 5 "Containers per user.";
          VOXNIX_DEFAULT_CPUS = setting (types.either types.ints.positive types.float) 1 "CPUs a container gets unless it asks for others (CPUQuota, 1 = 100%).";
          VOXNIX_MAX_CPUS = setting (types.either types.ints.positive types.float) 4 "Most CPUs a container may ask for.";
          VOXNIX_DEFAULT_MEMORY = setting size "2G" "Memory a container gets unless it asks for other (MemoryMax).";
          VOXNIX_MAX_MEMORY = setting size "8G" "Most memory a container may ask for.";
          VOXNIX_USER_CPUS = setting (types.either types.ints.positive types.float) 8 "CPUs one user's running containers may use together; `voxnix users quota` sets a user's own.";
          VOXNIX_USER_MEMORY = setting size "16G" "Memory one user's running containers may use together.";
          VOXNIX_IDLE_STOP_HOURS = setting types.ints.unsigned 168 "Hours without use after which a running container is stopped (0: never); `/pin NAME` exempts one.";
          VOXNIX_STOPPED_TRASH_DAYS = setting types.ints.unsigned 14 "Days a stopped container is kept before it goes to the trash (0: never); its owner is warned, and told with an Undo.";
          VOXNIX_IDLE_WARN_HOURS = setting types.ints.positive 24 "Hours before an idle stop that its owner is warned, with Keep alive and Stop now.";
          VOXNIX_KEEPALIVE_PROCESSES = setting types.str "tmux,screen,zellij,claude,codex,aider,gemini,opencode,goose,cursor-agent" "Process names whose presence alone counts as use (an agent waiting in tmux).";
          VOXNIX_TRASH_DAYS = setting types.ints.unsigned 7 "Days a destroyed container's workspace stays restorable.";
        };
      };
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = settings.VOXNIX_ADMINS != [ ];
        message = "services.voxnix.settings.VOXNIX_ADMINS: give at least one Telegram user id, or nobody can approve access.";
      }
      {
        assertion = !usesZfs || config.boot.supportedFilesystems.zfs or false;
        message = "services.voxnix.settings.VOXNIX_STORAGE = \"zfs\" needs boot.supportedFilesystems.zfs = true (or \"dir\").";
      }
      {
        assertion = cfg.llmApiKeyFile != null || settings.LLM_BASE_URL != "https://openrouter.ai/api/v1";
        message = "services.voxnix.llmApiKeyFile: OpenRouter (the default LLM_BASE_URL) needs an API key file.";
      }
      {
        assertion = !(settings ? TELEGRAM_BOT_TOKEN || settings ? LLM_API_KEY || settings ? TAILSCALE_AUTH_KEY || settings ? TAILSCALE_OAUTH_CLIENT_SECRET);
        message = "services.voxnix.settings: a secret would land in the Nix store; use botTokenFile, llmApiKeyFile, tailscaleAuthKeyFile or tailscaleOAuthClientSecretFile.";
      }
    ];

    # The container@.service template every voxnix container is an instance of.
    boot.enableContainers = true;
    # Where the daemon puts each container's drop-in and boot-time wants link: /etc/systemd is
    # the store's. (extra-container's own module sets the same path.)
    boot.extraSystemdUnitPaths = [ "/etc/systemd-mutable/system" ];

    environment.systemPackages = [ adminCli ];

    systemd.tmpfiles.rules = map (path: "d ${path} 0755 root root - -") writablePaths;

    systemd.services.voxnix = {
      description = "voxnix Telegram container host";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [
        "network-online.target"
        "nix-daemon.socket"
      ] ++ lib.optional usesZfs "zfs.target";

      # Exactly the host tools the daemon calls (src/host/), and what nixos-container calls.
      path =
        [
          pkgs.nixos-container
          config.systemd.package # systemctl, machinectl, journalctl
          config.nix.package
          pkgs.coreutils
          pkgs.gnused
          pkgs.gnugrep
          pkgs.util-linux
        ]
        ++ lib.optional usesZfs config.boot.zfs.package;

      # Node ≥ 22.1 keeps compiled code between starts there: a faster start after a deploy.
      environment = environment // {
        NODE_COMPILE_CACHE = "/var/cache/voxnix";
      };

      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} serve";
        LoadCredential =
          [ "bot-token:${cfg.botTokenFile}" ]
          ++ lib.optional (cfg.llmApiKeyFile != null) "llm-api-key:${cfg.llmApiKeyFile}"
          ++ lib.optional (cfg.tailscaleAuthKeyFile != null) "tailscale-auth-key:${cfg.tailscaleAuthKeyFile}"
          ++ lib.optional (
            cfg.tailscaleOAuthClientSecretFile != null
          ) "tailscale-oauth-client-secret:${cfg.tailscaleOAuthClientSecretFile}";
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

        # Root, because nixos-container, zfs and machinectl manage the host; the rest narrows it.
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
        # Nothing it runs gains privileges through setuid or file capabilities (it is root: no
        # tool it runs needs sudo).
        NoNewPrivileges = true;
        # /proc/sys and /sys read-only here; zfs writes what it must from the host's namespace.
        ProtectKernelTunables = true;

        # Not set, each for a reason:
        # - MemoryDenyWriteExecute: Node's JIT needs writable, executable pages.
        # - CapabilityBoundingSet: zfs (mounts, /dev/zfs), nsenter (setns: CAP_SYS_ADMIN and
        #   CAP_SYS_CHROOT), nixos-container (files owned by others under
        #   /etc and /var/lib/nixos-containers) need most of root's; the daemon manages the host.
        # - SystemCallFilter: zfs's ioctls, mount and setns sit outside @system-service; a list
        #   that admits them filters little, and one that does not breaks every create.
        # - RestrictNamespaces: nsenter joins PID 1's mount namespace (see ProtectSystem above).
        # - ProtectProc=invisible, ProcSubset=pid-only: reconcile reads other processes'
        #   /proc/PID/stat and environ to tell a live lease holder from a dead one.
        # - PrivateNetwork, IPAddressDeny: it talks to Telegram and the LLM endpoint.
        # - PrivateUsers: root here must be the host's root.
      };
    };
  };
}
