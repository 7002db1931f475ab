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
    lib.mapAttrs (_: render) (lib.filterAttrs (_: value: value != null) settings)
    // {
      TELEGRAM_BOT_TOKEN_FILE = "%d/bot-token";
      VOXNIX_STATE_DIR = "/var/lib/voxnix";
      # nix/mk-container.nix imports <nixpkgs>: containers build from the host's own nixpkgs.
      NIX_PATH = "nixpkgs=${pkgs.path}";
    }
    // lib.optionalAttrs (cfg.llmApiKeyFile != null) { LLM_API_KEY_FILE = "%d/llm-api-key"; }
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = "%d/tailscale-auth-key";
    }
    // lib.optionalAttrs (cfg.tailscaleOAuthClientSecretFile != null) {
      TAILSCALE_OAUTH_CLIENT_SECRET_FILE = "%d/tailscale-oauth-client-secret";
    }
    // lib.optionalAttrs (cfg.secretsKeyFile != null) { VOXNIX_SECRETS_KEY_FILE = "%d/secrets-key"; };

  # The same settings for the admin's `voxnix` at a root shell. Credentials are systemd's (%d)
  # only inside the unit, so the CLI reads the agenix files directly (root may read them).
  cliEnvironment =
    removeAttrs environment [
      "TELEGRAM_BOT_TOKEN_FILE"
      "LLM_API_KEY_FILE"
      "TAILSCALE_AUTH_KEY_FILE"
      "TAILSCALE_OAUTH_CLIENT_SECRET_FILE"
      "VOXNIX_SECRETS_KEY_FILE"
    ]
    // lib.optionalAttrs (cfg.tailscaleAuthKeyFile != null) {
      TAILSCALE_AUTH_KEY_FILE = cfg.tailscaleAuthKeyFile;
    }
    // lib.optionalAttrs (cfg.tailscaleOAuthClientSecretFile != null) {
      TAILSCALE_OAUTH_CLIENT_SECRET_FILE = cfg.tailscaleOAuthClientSecretFile;
    }
    // lib.optionalAttrs (cfg.secretsKeyFile != null) { VOXNIX_SECRETS_KEY_FILE = cfg.secretsKeyFile; };
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
  # Each has the mode the tool that owns it gives it, set again at every boot (tmpfiles' `d`
  # re-modes what exists).
  writableDirectories =
    {
      # A unit directory, as /etc/systemd/system is.
      "/etc/systemd-mutable/system" = "0755";
      # nixos-container's own modes (nixos-container.pl): the confs may be read (ps shows the
      # same flags), the containers' roots and profiles are root's alone. 0755 there would let
      # every host user (a service's user included) into each container's file system, to read
      # what is world-readable there and run its setuid files, root's in a container without a
      # user namespace.
      "/etc/nixos-containers" = "0755";
      "/var/lib/nixos-containers" = "0700";
      "/nix/var/nix/profiles/per-container" = "0700";
      # As the container@ template makes it; GC roots name store paths, which anyone may read.
      "/nix/var/nix/gcroots/per-container" = "0755";
      "/nix/var/nix/gcroots/voxnix" = "0755";
    }
    // lib.optionalAttrs usesZfs {
      # The pool's mountpoint may be the admin's, shared with more than voxnix: made if it is
      # missing, its owner and mode left alone.
      "/${settings.ZFS_POOL}" = "-";
    };
  writablePaths = builtins.attrNames writableDirectories;

  # The Mini App (src/web/): the daemon's loopback port, published on the tailnet over HTTPS.
  web = cfg.webApp;
  webListen = settings.VOXNIX_WEB_LISTEN;

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

    secretsKeyFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/agenix/voxnix-secrets-key";
      description = ''
        File holding the 32-byte key (64 hex digits: `openssl rand -hex 32`) that seals the
        secrets people store with /secret add. With it the daemon runs the egress proxy
        (settings.VOXNIX_EGRESS_PORT) through which containers use them without reading them;
        null: no secrets. Losing the key loses every stored secret (people add them again).
      '';
    };

    webApp.enable = lib.mkEnableOption ''
      the Mini App: a terminal into their containers and a dashboard, opened from the bot's
      buttons inside Telegram. The daemon serves it on loopback (settings.VOXNIX_WEB_LISTEN) and
      `tailscale serve` publishes it at settings.VOXNIX_WEB_URL with the tailnet's certificate:
      reachable from devices on the tailnet only (docs/operations.md, The Mini App)
    '';

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
          VOXNIX_EGRESS_PORT = setting types.port 3129 "TCP port of the egress proxy on the host's address on the containers' network (with secretsKeyFile); the appliance's tenant firewall opens it to containers alone.";
          VOXNIX_WEB_URL = mkOption {
            type = types.nullOr (types.strMatching "https://[^/]+/?");
            default = null;
            example = "https://voxnix.tail1234.ts.net";
            description = "The Mini App's address: this host's name on the tailnet (MagicDNS, with HTTPS certificates enabled). The bot's buttons open it; null: no Mini App.";
          };
          VOXNIX_WEB_LISTEN = setting (types.strMatching "(127\\.0\\.0\\.1|localhost):[0-9]+") "127.0.0.1:8470" "Where the daemon serves the Mini App: loopback only, for `tailscale serve` to publish.";
          VOXNIX_CONTAINER_NETWORK = setting (types.strMatching "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+") "10.100.0.0/24" "The containers' IPv4 network: the host answers DNS on its first address, and each container gets one of the others, routed to it alone. The host's network must match (the appliance: settings.nix containerNetwork).";
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
        assertion = !web.enable || settings.VOXNIX_WEB_URL != null;
        message = "services.voxnix.webApp.enable needs services.voxnix.settings.VOXNIX_WEB_URL: this host's https:// name on the tailnet (e.g. https://voxnix.tail1234.ts.net).";
      }
      {
        assertion = !web.enable || config.services.tailscale.enable;
        message = "services.voxnix.webApp.enable publishes the Mini App with `tailscale serve`: enable services.tailscale too.";
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

    systemd.tmpfiles.rules =
      lib.mapAttrsToList (
        path: mode: if mode == "-" then "d ${path} - - - - -" else "d ${path} ${mode} root root - -"
      ) writableDirectories
      # Every tenant's workspace is under it (src/host/zfs-storage.ts), and so would be open to
      # every host user: containers reach theirs through a bind that root's nspawn makes.
      ++ lib.optional usesZfs "d /${settings.ZFS_POOL}/users 0700 root root - -";

    # `tailscale serve` keeps its configuration in tailscaled: set at start, removed at stop.
    # HTTPS on 443 with the tailnet's certificate for this host's name, proxied to loopback.
    systemd.services.voxnix-web = lib.mkIf web.enable {
      description = "voxnix Mini App on the tailnet (tailscale serve)";
      wantedBy = [ "multi-user.target" ];
      after = [
        "tailscaled.service"
        "voxnix.service"
      ];
      wants = [ "tailscaled.service" ];
      bindsTo = [ "voxnix.service" ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${lib.getExe config.services.tailscale.package} serve --bg --https=443 http://${webListen}";
        ExecStop = "${lib.getExe config.services.tailscale.package} serve --https=443 off";
      };
    };

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

      # A deploy that changes the container@ template restarts the daemon, whose first reconcile
      # holds every container's conf to it (src/workloads/maintenance/host-files.ts).
      restartTriggers = [ config.systemd.units."container@.service".unit ];

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
          ) "tailscale-oauth-client-secret:${cfg.tailscaleOAuthClientSecretFile}"
          ++ lib.optional (cfg.secretsKeyFile != null) "secrets-key:${cfg.secretsKeyFile}";
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

        # Root, because nixos-container, zfs and machinectl manage the host; the rest narrows it
        # (docs/security.md, The daemon's own confinement). zfs and chown run in PID 1's mount
        # namespace (nsenter), where the views below (ProtectSystem, PrivateDevices, PrivateTmp,
        # ProtectKernelTunables, ProtectControlGroups) do not reach; what a process carries does:
        # capabilities, the system call filter, the device policy, address families, no new
        # privileges.
        User = "root";

        # These give the daemon a mount namespace of its own whose mounts the host never sees, so
        # zfs runs in PID 1's namespace through nsenter (src/host/mount-namespace.ts): keep
        # CAP_SYS_ADMIN and CAP_SYS_CHROOT (setns), and never restrict the mnt namespace type.
        ProtectSystem = "strict";
        ReadWritePaths = writablePaths;
        ProtectHome = true;
        PrivateTmp = true;
        PrivateMounts = true;

        # Devices: the cgroup's device policy holds whatever path an open takes (/proc/1/root/dev,
        # a zfs run in the host's namespace): only /dev/null, zero, full, random, urandom, tty,
        # ptmx (systemd's fixed list), rtc read-only (ProtectClock), and /dev/zfs for zfs and
        # zpool, which talk to the kernel module through it. No watchdog, console, ttys or disks.
        DevicePolicy = "closed";
        DeviceAllow = lib.optional usesZfs "/dev/zfs rw";
        # And a /dev of its own with only those nodes. zpool runs here, not through nsenter, so
        # /dev/zfs is bound in; the unit fails to start, and restarts, until the module made it.
        PrivateDevices = true;
        BindPaths = lib.optional usesZfs "/dev/zfs";

        # Exactly what the daemon and its tools need (capabilities(7)); the rest is dropped:
        # no kill(2) of others' processes, uid changes, raw I/O, mknod, network administration,
        # module loading, clock, reboot, audit or BPF. nix-build needs none of it: /nix/var/nix
        # is read-only here, so Nix asks the nix daemon to build.
        CapabilityBoundingSet = [
          # mount and umount (zfs, nixos-container destroy), setns (nsenter, systemd-run
          # --machine), zfs's ioctls on /dev/zfs.
          "CAP_SYS_ADMIN"
          # setns into a mount namespace: nsenter's, and systemd-run --machine's helper, which
          # joins the container's before its user namespace.
          "CAP_SYS_CHROOT"
          # /proc/PID/ns and /proc/PID/root of a process another uid owns: a container's leader
          # (its user range) for systemd-run --machine and journalctl -M. ptrace(2) itself is
          # outside the system call filter below.
          "CAP_SYS_PTRACE"
          # A workspace and a staged key given to a container's user range; a fork's shift.
          "CAP_CHOWN"
          # Files a tenant owns: reading a workspace's git refs before a destroy
          # (src/host/unpushed-work.ts), a container's journal, and nixos-container destroy
          # removing a container's root, sticky /tmp included.
          "CAP_DAC_OVERRIDE"
          "CAP_DAC_READ_SEARCH"
          "CAP_FOWNER"
          # nixos-container destroy runs `chattr -i $root/var/empty` (nixos-container.pl): in a
          # container without a user namespace (from before them) NixOS's tmpfiles made it
          # immutable, and without this the root is left behind and blocks the name.
          "CAP_LINUX_IMMUTABLE"
        ];
        # Nothing it runs gains privileges through setuid or file capabilities (it is root: no
        # tool it runs needs sudo). nsenter joins a namespace with setns, nix-build asks the nix
        # daemon, systemd-run --machine asks the container's systemd: none gains at exec.
        NoNewPrivileges = true;

        # /proc/sys and /sys read-only here; zfs writes what it must from the host's namespace.
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectClock = true;
        ProtectHostname = true;
        # /sys/fs/cgroup read-only: the daemon only reads it (a container's cgroup.procs, for
        # idle detection); `systemctl set-property` asks PID 1, which writes the limits.
        ProtectControlGroups = true;

        RestrictAddressFamilies = [
          "AF_UNIX" # D-Bus (systemctl, machinectl, a container's bus), the nix daemon
          "AF_INET"
          "AF_INET6" # Telegram, the LLM endpoint, the Tailscale API: outbound only
          # glibc's getaddrinfo asks rtnetlink which address families the host has: Node
          # resolves every connection's host with AI_ADDRCONFIG.
          "AF_NETLINK"
        ];
        # The namespace types it joins (nsenter: PID 1's mnt; systemd-run --machine: a
        # container's mnt, pid and user), which the kernel lets it make as well; no net, uts,
        # ipc or cgroup namespace, made or joined.
        RestrictNamespaces = [
          "mnt"
          "pid"
          "user"
        ];
        SystemCallArchitectures = "native";
        SystemCallFilter = [
          "@system-service" # setns is in it (@process), and chown (@chown)
          # zfs mounts and unmounts datasets itself (mount(2)); nixos-container destroy runs
          # umount; systemd-run --machine chroots into the container (chroot is in @mount).
          "@mount"
          # V8 asks for memory protection keys (nixpkgs' Node services allow them too).
          "@pkey"
        ];
        # A call outside the list fails that call, and the tool reports it, instead of SIGSYS
        # killing the daemon in the middle of an operation.
        SystemCallErrorNumber = "EPERM";
        LockPersonality = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        UMask = "0077";

        # Not set, each for a reason:
        # - MemoryDenyWriteExecute: Node's JIT makes writable pages executable. Only --jitless
        #   does without, and it drops WebAssembly too, in which Node's fetch parses HTTP
        #   (llhttp).
        # - ProtectProc=invisible: changes nothing for root with CAP_SYS_PTRACE, which the
        #   daemon keeps (above); without that capability it would hide the container
        #   processes that idle detection reads (/proc/PID/stat).
        # - ProcSubset=pid: leases name a process by the kernel's boot id as well
        #   (/proc/sys/kernel/random/boot_id, src/process-identity.ts).
        # - PrivateNetwork, IPAddressDeny: it talks to Telegram, the Tailscale API and an LLM
        #   endpoint that may be anywhere (loopback, the LAN, the internet).
        # - PrivateUsers: root here must be the host's root.
      };
    };
  };
}
