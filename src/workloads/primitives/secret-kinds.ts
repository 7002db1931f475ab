/**
 * What a secret is for: the upstream host the egress proxy sends it to (and no other), the
 * header it travels in, and the ordinary configuration a tool in the container reads to go
 * through the proxy instead (a base URL and a placeholder key; never the value).
 */
export interface SecretKind {
  readonly kind: SecretKindName;
  /** The upstream's host; undefined for the generic kinds, which name their own. */
  readonly host: string | undefined;
  /** `authorization` (sent as `Bearer VALUE`) or a header that carries the value as it is. */
  readonly header: string | undefined;
  /** Variables pointing the usual client at the proxy: `{url}` is the secret's proxy URL. */
  readonly env: Readonly<Record<string, string>>;
  readonly description: string;
}

export const SECRET_KINDS = [
  "anthropic",
  "openai",
  "openrouter",
  "github",
  "bearer",
  "header",
] as const;
export type SecretKindName = (typeof SECRET_KINDS)[number];

/** What a tool is given instead of a key: it must send something, and this is worth nothing. */
export const PLACEHOLDER_KEY = "voxnix-proxy-injects-the-real-key";

const CATALOGUE: Readonly<Record<SecretKindName, SecretKind>> = {
  anthropic: {
    kind: "anthropic",
    host: "api.anthropic.com",
    header: "x-api-key",
    env: { ANTHROPIC_BASE_URL: "{url}", ANTHROPIC_API_KEY: PLACEHOLDER_KEY },
    description: "Anthropic API key (claude, aider …)",
  },
  openai: {
    kind: "openai",
    host: "api.openai.com",
    header: "authorization",
    env: { OPENAI_BASE_URL: "{url}/v1", OPENAI_API_KEY: PLACEHOLDER_KEY },
    description: "OpenAI API key (codex, aider …)",
  },
  openrouter: {
    kind: "openrouter",
    host: "openrouter.ai",
    header: "authorization",
    env: { OPENROUTER_BASE_URL: "{url}/api/v1", OPENROUTER_API_KEY: PLACEHOLDER_KEY },
    description: "OpenRouter API key",
  },
  github: {
    kind: "github",
    host: "api.github.com",
    header: "authorization",
    env: { GITHUB_API_URL: "{url}", GITHUB_TOKEN: PLACEHOLDER_KEY },
    description: "GitHub token for the REST API",
  },
  bearer: {
    kind: "bearer",
    host: undefined,
    header: "authorization",
    env: {},
    description: "a bearer token for an HTTPS host you name",
  },
  header: {
    kind: "header",
    host: undefined,
    header: undefined,
    env: {},
    description: "a header (name: value) for an HTTPS host you name",
  },
};

export const secretKind = (kind: SecretKindName): SecretKind => CATALOGUE[kind];

export const isSecretKind = (text: string): text is SecretKindName =>
  (SECRET_KINDS as readonly string[]).includes(text);

/**
 * Headers a request through the proxy never carries upstream: any credential the container put
 * there (the proxy's own goes in instead), and hop-by-hop headers (RFC 9110 §7.6.1).
 */
export const STRIPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
]);
