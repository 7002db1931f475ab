// Evaluation against a real nixpkgs (no builds): the appliance, the VM check, services.voxnix
// and containers through extra-container's own eval path. Needs the tree that
// ../shared/nix-eval.md lays out (nixpkgs 24.11 plus extra-container, agenix, disko beside it),
// named by VOXNIX_NIXPKGS=DEST/nixpkgs. CI has no such tree: there the suite is skipped, saying so.
import { execa } from "execa";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasNix } from "../support/nix.js";
import { containerConf, containerDropIn } from "../../src/host/index.js";
import { REPO_ROOT } from "../support/test-workloads.js";
import { tempDir } from "../support/temp-dir.js";

const NIXPKGS = process.env.VOXNIX_NIXPKGS ?? "";
const TREE = dirname(NIXPKGS);
const hasTree =
  hasNix &&
  NIXPKGS !== "" &&
  [
    "nixpkgs/nixos/lib/eval-config.nix",
    "extra-container/eval-config.nix",
    "agenix/modules/age.nix",
    "disko/module.nix",
  ].every((file) => existsSync(join(TREE, file)));
const SKIP = hasTree
  ? "nixpkgs tree at VOXNIX_NIXPKGS"
  : "needs VOXNIX_NIXPKGS naming a laid-out nixpkgs tree (../shared/nix-eval.md); CI has none";
const EVAL = join(REPO_ROOT, "tests/nix/eval");
const EVAL_MS = 180_000;

/** Evaluates `expression` strictly to JSON, as the admin's machine would (no build). */
async function evaluate(expression: string): Promise<unknown> {
  const { stdout } = await execa(
    "nix-instantiate",
    ["--eval", "--strict", "--json", "-E", expression],
    {
      env: {
        VOXNIX_NIXPKGS: NIXPKGS,
        NIX_PATH: `nixpkgs=${NIXPKGS}`,
        // package.nix derives tarball URLs from it; nothing is fetched, so any URL will do.
        NPM_CONFIG_REGISTRY: "http://registry.invalid/",
      },
      timeout: EVAL_MS,
    },
  );
  return JSON.parse(stdout);
}

const inputs = `{ repo = ${REPO_ROOT}; tree = ${TREE}; }`;

/** The variables of an environment file, as systemd reads it: comments and blank lines skipped. */
function variables(conf: string): Record<string, string> {
  return Object.fromEntries(
    conf
      .split("\n")
      .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, (m[2] as string).replace(/^"(.*)"$/, "$1")]),
  );
}
const flake = `(import ${EVAL}/flake-outputs.nix ${inputs})`;

describe.skipIf(!hasTree)(`real nixpkgs evaluation (${SKIP})`, () => {
  it(
    "evaluates the appliance, with SSH open on the uplink only and containers routed, not bridged",
    async () => {
      const result =
        (await evaluate(`let appliance = ${flake}.nixosConfigurations.appliance.config; in {
        drv = appliance.system.build.toplevel.drvPath;
        firewall = appliance.networking.nftables.tables.nixos-fw.content;
        bridges = builtins.attrNames appliance.networking.bridges;
        uplinkRoutes = appliance.systemd.network.networks."40-eth0".routes;
        dnsmasq = appliance.services.dnsmasq.settings;
        natSources = appliance.networking.nat.internalIPs;
        containerNetwork = appliance.services.voxnix.settings.VOXNIX_CONTAINER_NETWORK;
        secrets = builtins.attrNames appliance.age.secrets;
        unitPaths = appliance.boot.extraSystemdUnitPaths;
        tenantTables = builtins.mapAttrs (_: t: t.family) (removeAttrs appliance.networking.nftables.tables [ "nixos-fw" "nixos-nat" ]);
        template = appliance.systemd.services ? "container@";
        writable = appliance.systemd.services.voxnix.serviceConfig.ReadWritePaths;
      }`)) as {
          unitPaths: string[];
          tenantTables: Record<string, string>;
          template: boolean;
          writable: string[];
          drv: string;
          firewall: string;
          bridges: string[];
          uplinkRoutes: Record<string, unknown>[];
          dnsmasq: Record<string, unknown>;
          natSources: string[];
          containerNetwork: string;
          secrets: string[];
        };
      expect(result.drv).toMatch(/^\/nix\/store\/\w{32}-nixos-system-voxnix-.*\.drv$/);
      const rules = result.firewall.split("\n").filter((line) => /dport/.test(line));
      expect(rules.filter((line) => /\b22\b/.test(line))).toEqual([
        expect.stringMatching(/^\s*iifname eth0 tcp dport \{ 22 \} accept$/),
      ]);
      expect(rules.filter((line) => line.includes("ve-")).join("\n")).not.toMatch(/\b22\b/);
      // Containers are routed (nix/host/network.nix): no bridge, DNS on the host's address
      // wherever a container's link brings it, NAT by source, the range going nowhere else,
      // and the daemon handing out addresses from the same network.
      expect(result.bridges).toEqual([]);
      expect(result.uplinkRoutes).toContainEqual({
        Destination: "10.100.0.0/24",
        Type: "unreachable",
      });
      expect(result.dnsmasq).toMatchObject({
        "listen-address": ["10.100.0.1"],
        "bind-dynamic": [true],
      });
      expect(result.dnsmasq).not.toHaveProperty("dhcp-range");
      expect(result.natSources).toEqual(["10.100.0.0/24"]);
      expect(result.containerNetwork).toBe("10.100.0.0/24");
      // First boot: no .age file exists yet, so no secret is declared and evaluation still works.
      expect(result.secrets).toEqual([]);
      // What the daemon's installs rely on: the template, a writable unit path on systemd's
      // search path, and write access to both and to its GC roots despite ProtectSystem=strict.
      expect(result.template).toBe(true);
      // The tenant policy the netns test loads (tests/host/tenant-firewall.test.ts) is the one
      // the appliance renders: its own tables, and its uplink rule in NixOS's forward-allow.
      expect(result.tenantTables).toEqual({ "voxnix-tenants": "inet" });
      expect(result.firewall.split("chain forward-allow {")[1]).toMatch(
        /^\s*iifname "ve-\*" oifname "eth0" accept$/m,
      );
      expect(result.firewall.split("chain input-allow {")[1]).toMatch(
        /^\s*iifname "ve-\*" ip daddr 10\.100\.0\.1 meta l4proto \{ tcp, udp \} th dport 53 accept$/m,
      );
      expect(result.unitPaths).toContain("/etc/systemd-mutable/system");
      expect(result.writable).toEqual(
        expect.arrayContaining([
          "/etc/systemd-mutable/system",
          "/etc/nixos-containers",
          "/nix/var/nix/gcroots/voxnix",
        ]),
      );
    },
    EVAL_MS,
  );

  it(
    "with adminOverTailnet, opens nothing on the uplink and takes SSH only on the tailnet",
    async () => {
      const key = join(tempDir("voxnix-age-"), "voxnix-host-tailscale-auth-key.age");
      writeFileSync(key, "age-encryption.org/v1 (a stand-in: evaluation never decrypts)\n");
      const tailnet = (extra: string) =>
        `(${flake}.nixosConfigurations.appliance.extendModules { modules = [ { voxnix.appliance.adminOverTailnet = true; } ${extra} ]; }).config`;
      const result =
        (await evaluate(`let c = ${tailnet(`{ age.secrets.voxnix-host-tailscale-auth-key.file = ${key}; }`)}; in {
        drv = c.system.build.toplevel.drvPath;
        firewall = c.networking.nftables.tables.nixos-fw.content;
        sshd = c.services.openssh.enable;
        identities = c.age.identityPaths;
        up = c.services.tailscale.extraUpFlags;
      }`)) as { drv: string; firewall: string; sshd: boolean; identities: string[]; up: string[] };
      expect(result.drv).toMatch(/-nixos-system-voxnix-.*\.drv$/);
      const accepts = result.firewall.split("\n").filter((line) => /dport .* accept/.test(line));
      expect(accepts.filter((line) => line.includes("eth0"))).toEqual([]);
      expect(accepts).toContainEqual(
        expect.stringMatching(/iifname tailscale0 tcp dport \{ 22 \} accept/),
      );
      expect(result.sshd).toBe(false);
      expect(result.identities).toEqual(["/etc/ssh/ssh_host_ed25519_key"]);
      expect(result.up).toEqual(["--ssh", "--hostname=voxnix"]);

      const withoutKey = await execa(
        "nix-instantiate",
        ["--eval", "--strict", "--json", "-E", `${tailnet("")}.system.build.toplevel.drvPath`],
        {
          env: { VOXNIX_NIXPKGS: NIXPKGS, NPM_CONFIG_REGISTRY: "http://registry.invalid/" },
          reject: false,
          timeout: EVAL_MS,
        },
      );
      expect(withoutKey.stderr).toContain(
        "voxnix.appliance.adminOverTailnet needs secrets/voxnix-host-tailscale-auth-key.age",
      );
    },
    EVAL_MS,
  );

  it(
    "evaluates the flake's checks: the VM test (no overlay on its node) and the evaluation check",
    async () => {
      const checks = (await evaluate(
        `let c = ${flake}.checks.x86_64-linux; in { vm = c.vm.drvPath; evaluation = c.evaluation.drvPath; }`,
      )) as { vm: string; evaluation: string };
      expect(checks.vm).toMatch(/-vm-test-run-voxnix\.drv$/);
      // Its assertions ran while it evaluated: a wrong one would have thrown instead.
      expect(checks.evaluation).toMatch(/-voxnix-evaluation\.json\.drv$/);
    },
    EVAL_MS,
  );

  it(
    "fires each services.voxnix assertion exactly when its condition fails, zfs and dir alike",
    async () => {
      const failing = (config: string) =>
        evaluate(`import ${EVAL}/service.nix ${inputs.slice(0, -1)} config = ${config}; }`);
      const base = `enable = true; botTokenFile = "/run/agenix/voxnix-bot-token"; settings.LLM_BASE_URL = "http://127.0.0.1:11434/v1";`;
      expect(
        await failing(
          `{ services.voxnix = { ${base} settings.VOXNIX_ADMINS = [ 1 ]; settings.VOXNIX_STORAGE = "dir"; }; }`,
        ),
      ).toEqual([]);
      expect(
        await failing(
          `{ services.voxnix = { ${base} settings.VOXNIX_ADMINS = [ 1 ]; settings.VOXNIX_STORAGE = "zfs"; }; boot.supportedFilesystems.zfs = true; networking.hostId = "8425e349"; }`,
        ),
      ).toEqual([]);
      expect(
        await failing(
          `{ services.voxnix = { ${base} settings.VOXNIX_ADMINS = [ 1 ]; settings.VOXNIX_STORAGE = "zfs"; }; }`,
        ),
      ).toEqual([
        'services.voxnix.settings.VOXNIX_STORAGE = "zfs" needs boot.supportedFilesystems.zfs = true (or "dir").',
      ]);
      expect(
        await failing(
          `{ services.voxnix = { ${base} settings.VOXNIX_ADMINS = [ ]; settings.VOXNIX_STORAGE = "dir"; }; }`,
        ),
      ).toEqual([
        "services.voxnix.settings.VOXNIX_ADMINS: give at least one Telegram user id, or nobody can approve access.",
      ]);
      expect(
        await failing(
          `{ services.voxnix = { enable = true; botTokenFile = "/run/x"; settings.VOXNIX_ADMINS = [ 1 ]; settings.VOXNIX_STORAGE = "dir"; }; }`,
        ),
      ).toEqual([
        "services.voxnix.llmApiKeyFile: OpenRouter (the default LLM_BASE_URL) needs an API key file.",
      ]);
    },
    EVAL_MS,
  );

  it(
    "renders settings as the daemon's environment, where the old option names still work",
    async () => {
      const unit = (config: string) =>
        evaluate(
          `import ${EVAL}/service.nix ${inputs.slice(0, -1)} show = "unit"; config = ${config}; }`,
        ) as Promise<{
          environment: Record<string, string>;
          warnings: string[];
        }>;
      const current = await unit(
        `{ services.voxnix = { enable = true; botTokenFile = "/run/x"; llmApiKeyFile = "/run/y"; tailscaleOAuthClientSecretFile = "/run/z"; settings = { VOXNIX_ADMINS = [ 1 2 ]; VOXNIX_STORAGE = "dir"; ZFS_USER_QUOTA = "20G"; LOG_LEVEL = "debug"; TAILSCALE_OAUTH_CLIENT_ID = "kAbc"; TAILSCALE_TAGS = "tag:voxnix,tag:voxnix-{owner}"; }; }; }`,
      );
      expect(current.environment).toMatchObject({
        VOXNIX_ADMINS: "1,2",
        VOXNIX_USERS: "",
        VOXNIX_STORAGE: "dir",
        ZFS_USER_QUOTA: "20G",
        LOG_LEVEL: "debug",
        TELEGRAM_BOT_TOKEN_FILE: "%d/bot-token",
        LLM_API_KEY_FILE: "%d/llm-api-key",
        TAILSCALE_OAUTH_CLIENT_ID: "kAbc",
        TAILSCALE_TAGS: "tag:voxnix,tag:voxnix-{owner}",
        TAILSCALE_OAUTH_CLIENT_SECRET_FILE: "%d/tailscale-oauth-client-secret",
      });
      // Only paths: the files' contents never reach the unit's environment (or the store).
      expect(JSON.stringify(current.environment)).not.toMatch(/\/run\/[xyz]/);
      const old = await unit(
        `{ services.voxnix = { enable = true; botTokenFile = "/run/x"; llmApiKeyFile = "/run/y"; admins = [ 7 ]; storage.backend = "dir"; }; }`,
      );
      expect(old.environment).toMatchObject({ VOXNIX_ADMINS: "7", VOXNIX_STORAGE: "dir" });
      expect(old.warnings.join("\n")).toContain("services.voxnix.admins");
      expect(
        await evaluate(
          `import ${EVAL}/service.nix ${inputs.slice(0, -1)} config = { services.voxnix = { enable = true; botTokenFile = "/run/x"; llmApiKeyFile = "/run/y"; settings = { VOXNIX_ADMINS = [ 1 ]; VOXNIX_STORAGE = "dir"; LLM_API_KEY = "sk-oops"; }; }; }; }`,
        ),
      ).toEqual([
        "services.voxnix.settings: a secret would land in the Nix store; use botTokenFile, llmApiKeyFile, tailscaleAuthKeyFile or tailscaleOAuthClientSecretFile.",
      ]);
    },
    EVAL_MS,
  );

  it(
    "confines voxnix.service: closed device policy, a capability set, a system call list; container roots 0700",
    async () => {
      const rendered = (storage: "zfs" | "dir") =>
        evaluate(
          `import ${EVAL}/service.nix ${inputs.slice(0, -1)} show = "confinement"; config = { services.voxnix = { enable = true; botTokenFile = "/run/x"; llmApiKeyFile = "/run/y"; settings = { VOXNIX_ADMINS = [ 1 ]; VOXNIX_STORAGE = "${storage}"; ZFS_POOL = "tank"; }; }; boot.supportedFilesystems.zfs = true; networking.hostId = "8425e349"; }; }`,
        ) as Promise<{
          unit: string;
          tmpfiles: string[];
          restartTriggers: string[];
          containerTemplate: string;
        }>;
      const [zfs, dir] = await Promise.all([rendered("zfs"), rendered("dir")]);
      /** Each key of the unit's [Service] section with every value it is given, in order. */
      const service = (unit: string) => {
        const section = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? "";
        const keys: Record<string, string[]> = {};
        for (const line of section.split("\n")) {
          const m = /^(\w+)=(.*)$/.exec(line);
          if (m) (keys[m[1] as string] ??= []).push(m[2] as string);
        }
        return keys;
      };
      const unit = service(zfs.unit);
      // A new container@ template restarts the daemon, which holds every conf to it.
      expect(zfs.restartTriggers).toEqual([zfs.containerTemplate]);
      // Devices: only /dev/zfs beyond systemd's pseudo devices, in a /dev of its own.
      expect(unit.DevicePolicy).toEqual(["closed"]);
      expect(unit.DeviceAllow).toEqual(["/dev/zfs rw"]);
      expect(unit.PrivateDevices).toEqual(["true"]);
      expect(unit.BindPaths).toEqual(["/dev/zfs"]);
      expect(service(dir.unit)).toMatchObject({
        DevicePolicy: ["closed"],
        PrivateDevices: ["true"],
      });
      expect(service(dir.unit).DeviceAllow).toBeUndefined();
      expect(service(dir.unit).BindPaths).toBeUndefined();
      expect([...(unit.CapabilityBoundingSet ?? [])].sort()).toEqual([
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_LINUX_IMMUTABLE",
        "CAP_SYS_ADMIN",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
      ]);
      expect(unit.SystemCallFilter).toEqual(["@system-service", "@mount", "@pkey"]);
      expect(unit).toMatchObject({
        SystemCallErrorNumber: ["EPERM"],
        SystemCallArchitectures: ["native"],
        // nsenter joins PID 1's mount namespace; systemd-run --machine a container's mnt, pid, user.
        RestrictNamespaces: ["mnt", "pid", "user"],
        RestrictAddressFamilies: ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"],
        NoNewPrivileges: ["true"],
        ProtectSystem: ["strict"],
        ProtectControlGroups: ["true"],
        ProtectKernelTunables: ["true"],
        ProtectKernelModules: ["true"],
        ProtectKernelLogs: ["true"],
        ProtectClock: ["true"],
        ProtectHostname: ["true"],
        PrivateTmp: ["true"],
        PrivateMounts: ["true"],
        LockPersonality: ["true"],
        RestrictRealtime: ["true"],
        RestrictSUIDSGID: ["true"],
        UMask: ["0077"],
      });
      // Node's JIT needs writable, executable pages (docs/security.md).
      expect(unit.MemoryDenyWriteExecute).toBeUndefined();
      // Container roots and profiles are root's alone, as nixos-container makes them, and stay
      // so at every boot; the pool's mountpoint keeps the admin's mode, its users tree is closed.
      for (const path of [
        "/var/lib/nixos-containers",
        "/nix/var/nix/profiles/per-container",
        "/tank/users",
      ]) {
        expect(zfs.tmpfiles.filter((rule) => rule.split(/\s+/)[1] === path)).toEqual([
          `d ${path} 0700 root root - -`,
        ]);
      }
      expect(zfs.tmpfiles).toContain("d /tank - - - - -");
      expect(
        dir.tmpfiles.filter((rule) => rule.split(/\s+/)[1] === "/var/lib/nixos-containers"),
      ).toEqual(["d /var/lib/nixos-containers 0700 root root - -"]);
    },
    EVAL_MS,
  );

  it(
    "installs containers as NixOS declares them: same system, conf and unit settings, one system per module set",
    async () => {
      type Reference = {
        toplevel: string;
        system: string;
        conf: string;
        deviceAllow: string[];
        requiresMountsFor: string[];
        standalone: string;
      };
      const container = (
        name: string,
        modules: string[],
        { keyFile, uidBase }: { keyFile?: string; uidBase?: number } = {},
      ) => ({
        name,
        modules,
        workspace: `/tank/users/1001/containers/${name}`,
        address: `10.100.0.${name.length}`,
        ...(keyFile ? { keyFile } : {}),
        ...(uidBase === undefined ? {} : { uidBase }),
      });
      const cases = {
        dev: container("dev", ["fish", "git", "tailscale", "workspace"], {
          keyFile: "/var/lib/voxnix/secrets/dev/tailscale-auth-key",
          uidBase: 0x7000_0000,
        }),
        twin: container("web", ["fish", "git", "tailscale", "workspace"], {
          keyFile: "/var/lib/voxnix/secrets/web/tailscale-auth-key",
        }),
        // A user range without tailscale: /dev/net/tun is allowed all the same.
        users: container("users", ["workspace"], { uidBase: 0x7001_0000 }),
        plain: container("plain", ["workspace"]),
      };
      type Case = (typeof cases)[keyof typeof cases] & { keyFile?: string; uidBase?: number };
      const nixArgs = (c: Case) =>
        `name = "${c.name}"; workspace = "${c.workspace}"; localAddress = "${c.address}"; modules = ${JSON.stringify(c.modules).replaceAll(",", " ")}; ${c.keyFile ? `keyFile = "${c.keyFile}";` : ""} ${c.uidBase === undefined ? "" : `uidBase = ${c.uidBase};`}`;
      const result = (await evaluate(
        `{ ${Object.entries(cases)
          .map(
            ([key, c]) =>
              `${key} = import ${EVAL}/container.nix ${inputs.slice(0, -1)} ${nixArgs(c)} };`,
          )
          .join(" ")} }`,
      )) as Record<keyof typeof cases, Reference>;

      for (const [key, c] of Object.entries(cases) as [keyof typeof cases, Case][]) {
        const reference = result[key];
        // The system voxnix builds on its own is the one the declarative container evaluates.
        expect(reference.standalone).toBe(reference.toplevel);
        const install = {
          name: c.name,
          systemPath: reference.system,
          workspace: c.workspace,
          tailscaleKeyFile: c.keyFile,
          uidBase: c.uidBase,
          limits: { cpus: 1, memoryBytes: 2 * 1024 ** 3, tasksMax: 4096 },
          address: { host: "10.100.0.1", local: c.address },
        };
        // The conf voxnix writes says what nixpkgs' own conf for it says, key by key.
        expect(variables(containerConf(install))).toEqual(variables(reference.conf));
        const dropIn = containerDropIn(install);
        for (const device of reference.deviceAllow)
          expect(dropIn).toContain(`DeviceAllow=${device}`);
        if (reference.deviceAllow.length === 0) expect(dropIn).not.toContain("DeviceAllow");
        // The template has the state directory; the drop-in adds the bind sources after it.
        const mounts = /^RequiresMountsFor=(.*)$/m.exec(dropIn)?.[1]?.split(" ") ?? [];
        expect(["/var/lib/nixos-containers/%i", ...mounts]).toEqual(reference.requiresMountsFor);
      }
      // Nothing per container (name, owner, paths) is inside: same modules, same system.
      expect(result.twin.toplevel).toBe(result.dev.toplevel);
      expect(result.plain.toplevel).not.toBe(result.dev.toplevel);
    },
    EVAL_MS,
  );
});
