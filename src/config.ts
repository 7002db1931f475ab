import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  DEFAULT_CONTAINER_NETWORK,
  parseContainerNetwork,
  type ContainerNetwork,
} from "./container-network.js";
import { VoxnixError } from "./errors.js";
import { Secret } from "./secret.js";
import { formatSize, parseSize } from "./size.js";

/**
 * The daemon's configuration, read from the environment (design.md, Configuration).
 *
 * Every problem is collected before anything fails, so an admin fixes a unit file once rather
 * than once per variable. Secrets come from `NAME` or `NAME_FILE` (agenix and systemd credentials
 * hand over files) and are wrapped in {@link Secret} so they cannot be printed by accident.
 */
export interface Config {
  readonly telegram: {
    readonly botToken: Secret | undefined;
    readonly apiRoot: string;
    /** Answer in group chats too (identity is still the sender); off unless the admin enables it. */
    readonly allowGroups: boolean;
  };
  readonly access: { readonly admins: readonly number[]; readonly users: readonly number[] };
  readonly llm: {
    readonly baseUrl: string;
    readonly apiKey: Secret | undefined;
    readonly model: string;
    /** Deadline for one conversational turn, tool calls included. */
    readonly timeoutMs: number;
  };
  readonly stateDir: string;
  readonly nixDir: string;
  /**
   * The root the container files live under (/etc/nixos-containers, /etc/systemd-mutable/system,
   * /nix/var/nix/gcroots/voxnix): "/" on a host; only tests point it elsewhere (at a fake host).
   */
  readonly hostRoot: string;
  /**
   * The mount namespace containers see (PID 1's): zfs runs there, because the unit's hardening
   * gives the daemon a namespace of its own whose mounts nobody else sees.
   */
  readonly hostMountNamespace: string;
  /** Where containers' addresses come from; the host's network must match (nix/host/network.nix). */
  readonly containerNetwork: ContainerNetwork;
  readonly storage: {
    readonly backend: "zfs" | "dir";
    readonly pool: string;
    readonly userQuotaBytes: number;
  };
  readonly tailscale: {
    readonly authKeyFile: string | undefined;
    readonly authKey: Secret | undefined;
    /**
     * An OAuth client of the Tailscale API: with it, each container gets a one-off key of its
     * own, minted at create, and its device is deleted at destroy (the static key is the
     * weaker fallback). Undefined when TAILSCALE_OAUTH_CLIENT_ID is not set.
     */
    readonly oauth:
      | {
          readonly clientId: string;
          readonly clientSecret: Secret;
          readonly tailnet: string;
          /** Tags for every container's key; `{owner}` becomes the owner's Telegram id. */
          readonly tags: readonly string[];
          readonly apiUrl: string;
        }
      | undefined;
  };
  readonly limits: {
    readonly buildSlots: number;
    readonly maxContainers: number;
    readonly maxContainersPerUser: number;
    readonly defaultCpus: number;
    readonly maxCpus: number;
    readonly defaultMemoryBytes: number;
    readonly maxMemoryBytes: number;
    /** What one user's running containers may use together, unless the admin set theirs. */
    readonly userCpus: number;
    readonly userMemoryBytes: number;
    readonly trashDays: number;
    /** Snapshots one container's workspace may have (rollback's safety snapshot not counted). */
    readonly snapshotsPerContainer: number;
    /** A running container idle this long is stopped (0: never), its owner warned `idleWarnMs` before. */
    readonly idleStopMs: number;
    readonly idleWarnMs: number;
    /** A container stopped this long goes to the trash (0: never), its owner warned before. */
    readonly stoppedTrashMs: number;
    /** Processes whose presence alone makes a container active (an agent in tmux). */
    readonly keepAliveProcesses: readonly string[];
  };
  /**
   * Secrets a container's agent uses through the host's egress proxy and never reads (src/egress):
   * undefined without VOXNIX_SECRETS_KEY_FILE, and then there is no proxy and no /secret.
   */
  readonly secrets:
    | {
        /** The 32-byte AES-256-GCM key that seals every stored value. */
        readonly key: Secret;
        /** The proxy's TCP port on the host's address on the containers' network. */
        readonly egressPort: number;
        /**
         * PEM certificates trusted for upstreams besides Node's own roots (a private CA's host
         * for a generic secret; the tests' loopback upstream); verification is never turned off.
         */
        readonly extraCaFile: string | undefined;
      }
    | undefined;
  /**
   * The Mini App (src/web/): served on `listen` (loopback), reached at `url` through
   * `tailscale serve`. Off unless `url` is set; the bot's web_app buttons open `url`.
   */
  readonly web: {
    readonly url: string | undefined;
    readonly listen: { readonly host: string; readonly port: number };
  };
  readonly log: { readonly level: LogLevel };
  readonly telemetry: { readonly otlpEndpoint: string | undefined };
}

export type LogLevel = (typeof LOG_LEVELS)[number];
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * What the configuration is loaded for: serving needs credentials that admin verbs do not, and
 * the console chat needs the model's (not Telegram's).
 */
export type ConfigPurpose = "serve" | "chat" | "admin";

export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Invalid configuration; `message` lists every problem, never a secret value. */
export class ConfigError extends VoxnixError {
  readonly userMessage = "voxnix is misconfigured; the admin has the details.";

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join("\n"),
    );
  }
}

export const DEFAULT_TELEGRAM_API_ROOT = "https://api.telegram.org";
export const DEFAULT_LLM_BASE_URL = "https://openrouter.ai/api/v1";
const DEFAULT_LLM_MODEL = "openai/gpt-4o-mini";
/** The package root: it holds nix/mk-container.nix and modules/ (nix/package.nix installs both). */
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Variables holding secrets: read apart from the schema, each also as NAME_FILE. */
type SecretVariable = "TELEGRAM_BOT_TOKEN" | "LLM_API_KEY" | "TAILSCALE_OAUTH_CLIENT_SECRET";

// ---------------------------------------------------------------------------------------------
// Field parsers. Each message says what was expected, so the admin knows the fix.

const whole = (fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `expected a whole number from ${min} to ${max}`)
        .max(max, `expected a whole number from ${min} to ${max}`),
    )
    .default(fallback);

const cpus = (fallback: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a number of CPUs such as 1, 2 or 0.5")
    .transform(Number)
    .pipe(z.number().min(0.1, "expected at least 0.1 CPUs").max(1024, "expected at most 1024 CPUs"))
    .default(fallback);

const size = (fallback: string, min = 1) =>
  z
    .string()
    .transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === undefined || bytes < min) {
        ctx.addIssue({
          code: "custom",
          message: `expected a size such as 10G, 512M or 1T${min > 1 ? ` (at least ${formatSize(min)})` : ""}`,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .default(parseSize(fallback) ?? 0);

const containerNetwork = z
  .string()
  .transform((text, ctx) => {
    const network = parseContainerNetwork(text.trim());
    if (typeof network === "string") {
      ctx.addIssue({ code: "custom", message: network });
      return z.NEVER;
    }
    return network;
  })
  .default(parseContainerNetwork(DEFAULT_CONTAINER_NETWORK) as ContainerNetwork);

const userIds = z
  .string()
  .transform((text, ctx) => {
    const ids = text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
    const bad = ids.filter((id) => !/^[1-9]\d{0,15}$/.test(id));
    if (bad.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `expected comma-separated numeric Telegram user ids; not ids: ${bad.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(ids.map(Number))];
  })
  .default([]);

const httpUrl = z
  .string()
  .refine((text) => /^https?:\/\//.test(text) && URL.canParse(text), "expected an http(s) URL")
  .transform((text) => text.replace(/\/+$/, ""));

const absolutePath = z.string().startsWith("/", "expected an absolute path");
// Interpolated into the one-line Nix expression as path literals (host/container-systems.ts),
// so only characters a Nix path literal allows.
const nixSafePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._+\-/]*$/, "expected an absolute path of letters, digits and . _ + - /");

const EnvironmentSchema = z
  .object({
    TELEGRAM_API_ROOT: httpUrl.default(DEFAULT_TELEGRAM_API_ROOT),
    VOXNIX_ALLOW_GROUPS: z
      .enum(["true", "false"], { error: 'expected "true" or "false"' })
      .default("false"),
    VOXNIX_ADMINS: userIds,
    VOXNIX_USERS: userIds,
    LLM_BASE_URL: httpUrl.default(DEFAULT_LLM_BASE_URL),
    LLM_MODEL: z.string().default(DEFAULT_LLM_MODEL),
    LLM_TIMEOUT_SECONDS: whole(60, 1, 600),
    VOXNIX_STATE_DIR: nixSafePath.default("/var/lib/voxnix"),
    VOXNIX_NIX_DIR: nixSafePath.default(PACKAGE_ROOT.replace(/\/$/, "")),
    VOXNIX_HOST_ROOT: absolutePath.default("/"),
    VOXNIX_HOST_MOUNT_NAMESPACE: absolutePath.default("/proc/1/ns/mnt"),
    VOXNIX_CONTAINER_NETWORK: containerNetwork,
    VOXNIX_STORAGE: z.enum(["zfs", "dir"], { error: 'expected "zfs" or "dir"' }).default("zfs"),
    ZFS_POOL: z
      .string()
      .regex(
        /^[A-Za-z][\w.:-]*(\/[\w.:-]+)*$/,
        "expected a ZFS dataset name such as tank or tank/voxnix",
      )
      .default("tank"),
    ZFS_USER_QUOTA: size("10G", 64 * 1024 ** 2),
    TAILSCALE_AUTH_KEY_FILE: absolutePath.optional(),
    TAILSCALE_OAUTH_CLIENT_ID: z
      .string()
      .regex(/^[A-Za-z0-9]+$/, "expected the OAuth client's id (letters and digits)")
      .optional(),
    TAILSCALE_TAILNET: z
      .string()
      .regex(/^[\w.@-]+$/, 'expected a tailnet name, or "-" for the OAuth client\'s own')
      .default("-"),
    TAILSCALE_TAGS: z
      .string()
      .default("tag:voxnix,tag:voxnix-{owner}")
      .transform((text) => text.split(",").map((tag) => tag.trim()))
      .refine((tags) => tags.every((tag) => /^tag:[a-z0-9{}-]+$/.test(tag)), {
        message: "expected tags such as tag:voxnix,tag:voxnix-{owner}",
      }),
    TAILSCALE_API_URL: z
      .url({ error: "expected the Tailscale API's URL" })
      .default("https://api.tailscale.com"),
    VOXNIX_BUILD_SLOTS: whole(2, 1, 64),
    VOXNIX_MAX_CONTAINERS: whole(20, 1, 10_000),
    VOXNIX_MAX_CONTAINERS_PER_USER: whole(5, 1, 10_000),
    VOXNIX_DEFAULT_CPUS: cpus(1),
    VOXNIX_MAX_CPUS: cpus(4),
    VOXNIX_DEFAULT_MEMORY: size("2G", 64 * 1024 ** 2),
    VOXNIX_MAX_MEMORY: size("8G", 64 * 1024 ** 2),
    VOXNIX_USER_CPUS: cpus(8),
    VOXNIX_USER_MEMORY: size("16G", 64 * 1024 ** 2),
    VOXNIX_TRASH_DAYS: whole(7, 0, 3650),
    VOXNIX_SNAPSHOTS_PER_CONTAINER: whole(20, 1, 1000),
    VOXNIX_IDLE_STOP_HOURS: whole(168, 0, 24 * 3650),
    VOXNIX_IDLE_WARN_HOURS: whole(24, 1, 24 * 365),
    VOXNIX_STOPPED_TRASH_DAYS: whole(14, 0, 3650),
    VOXNIX_KEEPALIVE_PROCESSES: z
      .string()
      .default("tmux,screen,zellij,claude,codex,aider,gemini,opencode,goose,cursor-agent")
      .transform((text) =>
        text
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .refine((names) => names.every((name) => /^[\w.+-]{1,15}$/.test(name)), {
        message: "expected process names (at most 15 characters each), comma-separated",
      }),
    VOXNIX_SECRETS_KEY_FILE: absolutePath.optional(),
    VOXNIX_EGRESS_PORT: whole(3129, 1, 65_535),
    VOXNIX_EGRESS_CA_FILE: absolutePath.optional(),
    VOXNIX_WEB_URL: z
      .string()
      .refine((text) => /^https:\/\//.test(text) && URL.canParse(text), {
        message: "expected the web app's https URL (Telegram opens only https Mini Apps)",
      })
      .transform((text) => text.replace(/\/+$/, ""))
      .optional(),
    VOXNIX_WEB_LISTEN: z
      .string()
      .regex(
        /^(127\.0\.0\.1|\[::1\]|localhost):\d{1,5}$/,
        "expected a loopback address and port such as 127.0.0.1:8470 (tailscale serve publishes it)",
      )
      .refine((text) => Number(text.slice(text.lastIndexOf(":") + 1)) <= 65_535, {
        message: "expected a port from 0 to 65535",
      })
      .default("127.0.0.1:8470"),
    LOG_LEVEL: z
      .enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` })
      .default("info"),
    OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  })
  .superRefine((env, ctx) => {
    const atMost = (
      lower: keyof typeof env,
      upper: keyof typeof env,
      show: (n: number) => string = String,
    ) => {
      const limit = env[upper] as number;
      if ((env[lower] as number) > limit) {
        ctx.addIssue({
          code: "custom",
          path: [lower],
          message: `must not exceed ${upper}, which is ${show(limit)}`,
        });
      }
    };
    atMost("VOXNIX_DEFAULT_CPUS", "VOXNIX_MAX_CPUS");
    atMost("VOXNIX_DEFAULT_MEMORY", "VOXNIX_MAX_MEMORY", formatSize);
    atMost("VOXNIX_MAX_CONTAINERS_PER_USER", "VOXNIX_MAX_CONTAINERS");
    // A container the per-container maxima allow must fit in a user's share.
    atMost("VOXNIX_MAX_CPUS", "VOXNIX_USER_CPUS");
    atMost("VOXNIX_MAX_MEMORY", "VOXNIX_USER_MEMORY", formatSize);
  });

// ---------------------------------------------------------------------------------------------

export interface LoadConfigOptions {
  readonly purpose: ConfigPurpose;
  /** Reads a secret file; tests replace it only to simulate unreadable files. */
  readonly readFile?: (path: string) => string;
}

/**
 * Parses the environment into a {@link Config}.
 *
 * @throws ConfigError listing every problem (variable, what is wrong, what is expected).
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  { purpose, readFile = (path) => readFileSync(path, "utf8") }: LoadConfigOptions,
): Config {
  const present = withoutEmptyValues(env);
  const problems: ConfigProblem[] = [];
  const secret = (name: SecretVariable) => readSecret(present, name, readFile, problems);

  const botToken = secret("TELEGRAM_BOT_TOKEN");
  const llmApiKey = secret("LLM_API_KEY");
  const oauthSecret = secret("TAILSCALE_OAUTH_CLIENT_SECRET");
  const parsed = EnvironmentSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? "environment");
      problems.push({ variable, problem: withReceived(issue.message, present[variable]) });
    }
  }

  if ((present.TAILSCALE_OAUTH_CLIENT_ID === undefined) !== (oauthSecret === undefined)) {
    problems.push({
      variable: present.TAILSCALE_OAUTH_CLIENT_ID
        ? "TAILSCALE_OAUTH_CLIENT_SECRET"
        : "TAILSCALE_OAUTH_CLIENT_ID",
      problem:
        "the OAuth client needs both its id and its secret (TAILSCALE_OAUTH_CLIENT_SECRET or _FILE)",
    });
  }

  let tailscaleKey: Secret | undefined;
  const keyFile = present.TAILSCALE_AUTH_KEY_FILE;
  if (parsed.success && keyFile !== undefined) {
    tailscaleKey = readSecretFile(keyFile, readFile, "TAILSCALE_AUTH_KEY_FILE", problems);
  }

  let secretsKey: Secret | undefined;
  const secretsKeyFile = present.VOXNIX_SECRETS_KEY_FILE;
  // Read even when other variables are invalid (the schema checks the path): one pass lists all.
  if (secretsKeyFile?.startsWith("/")) {
    secretsKey = readSecretsKey(secretsKeyFile, readFile, problems);
  }

  // Checked on the raw environment, so they are reported even when other variables are invalid.
  const reported = (variable: string) => problems.some((p) => p.variable.startsWith(variable));
  if (purpose === "serve" && botToken === undefined && !reported("TELEGRAM_BOT_TOKEN")) {
    problems.push({
      variable: "TELEGRAM_BOT_TOKEN",
      problem:
        "required to serve; set it or TELEGRAM_BOT_TOKEN_FILE (the token BotFather gave you)",
    });
  }
  // The admin CLI acts as the first admin: without one it would act as nobody with every right.
  if (present.VOXNIX_ADMINS === undefined) {
    problems.push({
      variable: "VOXNIX_ADMINS",
      problem:
        purpose === "serve"
          ? "required to serve: at least one Telegram user id, or nobody can approve access"
          : "required: the admin CLI acts as the first admin listed there",
    });
  }
  if (purpose === "serve" || purpose === "chat") {
    const usesOpenRouter =
      (present.LLM_BASE_URL ?? DEFAULT_LLM_BASE_URL).replace(/\/+$/, "") === DEFAULT_LLM_BASE_URL;
    if (llmApiKey === undefined && usesOpenRouter && !reported("LLM_API_KEY")) {
      problems.push({
        variable: "LLM_API_KEY",
        problem:
          "required for OpenRouter (the default LLM_BASE_URL); set it or LLM_API_KEY_FILE, or point LLM_BASE_URL at a local server",
      });
    }
  }

  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    telegram: {
      botToken,
      apiRoot: e.TELEGRAM_API_ROOT,
      allowGroups: e.VOXNIX_ALLOW_GROUPS === "true",
    },
    access: {
      admins: e.VOXNIX_ADMINS,
      users: e.VOXNIX_USERS.filter((id) => !e.VOXNIX_ADMINS.includes(id)),
    },
    llm: {
      baseUrl: e.LLM_BASE_URL,
      apiKey: llmApiKey,
      model: e.LLM_MODEL,
      timeoutMs: e.LLM_TIMEOUT_SECONDS * 1000,
    },
    stateDir: e.VOXNIX_STATE_DIR,
    nixDir: e.VOXNIX_NIX_DIR,
    hostRoot: e.VOXNIX_HOST_ROOT,
    hostMountNamespace: e.VOXNIX_HOST_MOUNT_NAMESPACE,
    containerNetwork: e.VOXNIX_CONTAINER_NETWORK,
    storage: { backend: e.VOXNIX_STORAGE, pool: e.ZFS_POOL, userQuotaBytes: e.ZFS_USER_QUOTA },
    tailscale: {
      authKeyFile: e.TAILSCALE_AUTH_KEY_FILE,
      authKey: tailscaleKey,
      oauth:
        e.TAILSCALE_OAUTH_CLIENT_ID && oauthSecret
          ? {
              clientId: e.TAILSCALE_OAUTH_CLIENT_ID,
              clientSecret: oauthSecret,
              tailnet: e.TAILSCALE_TAILNET,
              tags: e.TAILSCALE_TAGS,
              apiUrl: e.TAILSCALE_API_URL.replace(/\/$/, ""),
            }
          : undefined,
    },
    limits: {
      buildSlots: e.VOXNIX_BUILD_SLOTS,
      maxContainers: e.VOXNIX_MAX_CONTAINERS,
      maxContainersPerUser: e.VOXNIX_MAX_CONTAINERS_PER_USER,
      defaultCpus: e.VOXNIX_DEFAULT_CPUS,
      maxCpus: e.VOXNIX_MAX_CPUS,
      defaultMemoryBytes: e.VOXNIX_DEFAULT_MEMORY,
      maxMemoryBytes: e.VOXNIX_MAX_MEMORY,
      userCpus: e.VOXNIX_USER_CPUS,
      userMemoryBytes: e.VOXNIX_USER_MEMORY,
      idleStopMs: e.VOXNIX_IDLE_STOP_HOURS * 3_600_000,
      idleWarnMs: e.VOXNIX_IDLE_WARN_HOURS * 3_600_000,
      stoppedTrashMs: e.VOXNIX_STOPPED_TRASH_DAYS * 86_400_000,
      keepAliveProcesses: e.VOXNIX_KEEPALIVE_PROCESSES,
      trashDays: e.VOXNIX_TRASH_DAYS,
      snapshotsPerContainer: e.VOXNIX_SNAPSHOTS_PER_CONTAINER,
    },
    secrets: secretsKey && {
      key: secretsKey,
      egressPort: e.VOXNIX_EGRESS_PORT,
      extraCaFile: e.VOXNIX_EGRESS_CA_FILE,
    },
    web: { url: e.VOXNIX_WEB_URL, listen: parseListen(e.VOXNIX_WEB_LISTEN) },
    log: { level: e.LOG_LEVEL },
    telemetry: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
  };
}

/** Every secret value the configuration holds, for the log redactor. */
export function secretValues(config: Config): string[] {
  return [
    config.telegram.botToken,
    config.llm.apiKey,
    config.tailscale.authKey,
    config.tailscale.oauth?.clientSecret,
    config.secrets?.key,
  ]
    .filter((secret): secret is Secret => secret !== undefined)
    .map((secret) => secret.reveal());
}

/**
 * The effective configuration in the shape the admin writes it (variable = value), secrets
 * shown only as set or unset. Backs `voxnix config check`.
 */
export function describeConfig(config: Config): Record<string, string> {
  const masked = (secret: Secret | undefined) => (secret ? "(set, hidden)" : "(unset)");
  const l = config.limits;
  return {
    TELEGRAM_BOT_TOKEN: masked(config.telegram.botToken),
    TELEGRAM_API_ROOT: config.telegram.apiRoot,
    VOXNIX_ALLOW_GROUPS: String(config.telegram.allowGroups),
    VOXNIX_ADMINS: config.access.admins.join(",") || "(none)",
    VOXNIX_USERS: config.access.users.join(",") || "(none)",
    LLM_BASE_URL: config.llm.baseUrl,
    LLM_API_KEY: masked(config.llm.apiKey),
    LLM_MODEL: config.llm.model,
    LLM_TIMEOUT_SECONDS: String(config.llm.timeoutMs / 1000),
    VOXNIX_STATE_DIR: config.stateDir,
    VOXNIX_NIX_DIR: config.nixDir,
    VOXNIX_HOST_ROOT: config.hostRoot,
    VOXNIX_HOST_MOUNT_NAMESPACE: config.hostMountNamespace,
    VOXNIX_CONTAINER_NETWORK: config.containerNetwork.cidr,
    VOXNIX_STORAGE: config.storage.backend,
    ZFS_POOL: config.storage.pool,
    ZFS_USER_QUOTA: formatSize(config.storage.userQuotaBytes),
    TAILSCALE_AUTH_KEY_FILE:
      config.tailscale.authKeyFile ??
      (config.tailscale.oauth
        ? "(unset: keys are minted)"
        : "(unset: the tailscale module is unavailable)"),
    TAILSCALE_OAUTH_CLIENT_ID: config.tailscale.oauth?.clientId ?? "(unset: static key only)",
    TAILSCALE_OAUTH_CLIENT_SECRET: masked(config.tailscale.oauth?.clientSecret),
    TAILSCALE_TAILNET: config.tailscale.oauth?.tailnet ?? "-",
    TAILSCALE_TAGS: config.tailscale.oauth?.tags.join(",") ?? "(unused)",
    TAILSCALE_API_URL: config.tailscale.oauth?.apiUrl ?? "(unused)",
    VOXNIX_BUILD_SLOTS: String(l.buildSlots),
    VOXNIX_MAX_CONTAINERS: String(l.maxContainers),
    VOXNIX_MAX_CONTAINERS_PER_USER: String(l.maxContainersPerUser),
    VOXNIX_DEFAULT_CPUS: String(l.defaultCpus),
    VOXNIX_MAX_CPUS: String(l.maxCpus),
    VOXNIX_DEFAULT_MEMORY: formatSize(l.defaultMemoryBytes),
    VOXNIX_MAX_MEMORY: formatSize(l.maxMemoryBytes),
    VOXNIX_USER_CPUS: String(l.userCpus),
    VOXNIX_USER_MEMORY: formatSize(l.userMemoryBytes),
    VOXNIX_IDLE_STOP_HOURS: String(l.idleStopMs / 3_600_000),
    VOXNIX_IDLE_WARN_HOURS: String(l.idleWarnMs / 3_600_000),
    VOXNIX_STOPPED_TRASH_DAYS: String(l.stoppedTrashMs / 86_400_000),
    VOXNIX_KEEPALIVE_PROCESSES: l.keepAliveProcesses.join(","),
    VOXNIX_TRASH_DAYS: String(l.trashDays),
    VOXNIX_SNAPSHOTS_PER_CONTAINER: String(l.snapshotsPerContainer),
    VOXNIX_SECRETS_KEY_FILE: config.secrets ? "(set, hidden)" : "(unset: no /secret, no proxy)",
    VOXNIX_EGRESS_PORT: config.secrets ? String(config.secrets.egressPort) : "(unused)",
    VOXNIX_EGRESS_CA_FILE: config.secrets?.extraCaFile ?? "(unset: the system's roots)",
    VOXNIX_WEB_URL: config.web.url ?? "(unset: no web app)",
    VOXNIX_WEB_LISTEN: `${config.web.listen.host}:${config.web.listen.port}`,
    LOG_LEVEL: config.log.level,
    OTEL_EXPORTER_OTLP_ENDPOINT: config.telemetry.otlpEndpoint ?? "(unset: tracing off)",
  };
}

/**
 * Reads `.env` from the working directory into `env` without overriding what is already set:
 * the development convenience design.md promises. The appliance's unit sets everything itself.
 */
export function readDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

// ---------------------------------------------------------------------------------------------

function withoutEmptyValues(env: Readonly<Record<string, string | undefined>>) {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") present[name] = value.trim();
  }
  return present;
}

function readSecret(
  env: Record<string, string>,
  name: SecretVariable,
  readFile: (path: string) => string,
  problems: ConfigProblem[],
): Secret | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) {
    problems.push({ variable: name, problem: `set either ${name} or ${name}_FILE, not both` });
    return undefined;
  }
  if (file !== undefined) return readSecretFile(file, readFile, `${name}_FILE`, problems);
  return direct === undefined ? undefined : new Secret(direct);
}

function readSecretFile(
  path: string,
  readFile: (path: string) => string,
  variable: string,
  problems: ConfigProblem[],
): Secret | undefined {
  let content: string;
  try {
    content = readFile(path).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push({ variable, problem: `cannot read ${path} (${code})` });
    return undefined;
  }
  if (content === "") {
    problems.push({ variable, problem: `${path} is empty` });
    return undefined;
  }
  return new Secret(content);
}

/**
 * The secrets key: 32 random bytes, written as 64 hex digits or in base64 (`openssl rand -hex
 * 32`). Kept as its text in a {@link Secret}; the box decodes it (workloads/primitives/secret-box.ts).
 */
function readSecretsKey(
  path: string,
  readFile: (path: string) => string,
  problems: ConfigProblem[],
): Secret | undefined {
  const key = readSecretFile(path, readFile, "VOXNIX_SECRETS_KEY_FILE", problems);
  if (key === undefined) return undefined;
  if (secretsKeyBytes(key) === undefined) {
    problems.push({
      variable: "VOXNIX_SECRETS_KEY_FILE",
      problem: `${path} does not hold a 32-byte key (64 hex digits or base64; openssl rand -hex 32)`,
    });
    return undefined;
  }
  return key;
}

/** The 32 bytes of a secrets key written as hex or base64; undefined for anything else. */
export function secretsKeyBytes(key: Secret): Buffer | undefined {
  const text = key.reveal().trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text, "base64");
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

/** "127.0.0.1:8470" → its host (brackets dropped) and port. */
function parseListen(text: string) {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(text.slice(at + 1)) };
}

/** Adds the offending value to a problem. Secrets are read apart from the schema, so none is echoed. */
function withReceived(message: string, value: string | undefined): string {
  return value === undefined ? message : `${message} (got "${value}")`;
}
