import { z } from "zod";
import { addressNumber } from "../../container-network.js";
import { Secret } from "../../secret.js";
import type { SecretRecord } from "../../store/index.js";
import { isAdmin, type Actor } from "../primitives/actor.js";
import { auditTrail, failureOf, outcomeOf } from "../primitives/audit.js";
import type { WorkloadDeps } from "../primitives/deps.js";
import { writeEgressEnvironment } from "../primitives/egress-env.js";
import { parseOrRefuse, Refusal } from "../primitives/refusal.js";
import type { SecretBox } from "../primitives/secret-box.js";
import {
  isSecretKind,
  SECRET_KINDS,
  secretKind,
  type SecretKindName,
} from "../primitives/secret-kinds.js";

/** The longest value voxnix keeps: API keys are short; a file pasted by mistake is not one. */
export const SECRET_VALUE_MAX_CHARS = 4_096;

const secretName = z
  .string()
  .trim()
  .regex(
    /^[a-z][a-z0-9-]{0,31}$/,
    "A secret's name is 1 to 32 lowercase letters, digits and -, starting with a letter (for example claude).",
  );

// hostname[:port] of a named HTTPS upstream: a DNS name, never an IP literal, so the proxy is
// not a way from a container to an address on the host's networks (docs/security.md).
const upstreamHost = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/,
    "The host is a DNS name such as api.example.com (optionally :PORT), without https:// or a path.",
  )
  .refine((host) => !/^[\d.]+(:\d+)?$/.test(host), "The host must be a name, not an address.")
  .refine((host) => Number(host.split(":")[1] ?? 443) <= 65_535, "The port is at most 65535.");

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]{1,64}$/, "A header name is letters, digits and - (for example x-api-key).")
  .refine(
    (header) => !["host", "connection", "content-length", "transfer-encoding"].includes(header),
    "That header cannot carry a secret.",
  );

const AddInput = z
  .object({
    name: secretName,
    kind: z
      .string()
      .trim()
      .refine(isSecretKind, `The kind is one of ${SECRET_KINDS.join(", ")}.`)
      .optional(),
    host: upstreamHost.optional(),
    header: headerName.optional(),
  })
  .superRefine((input, ctx) => {
    const kind = (input.kind ?? input.name) as string;
    if (!isSecretKind(kind)) {
      ctx.addIssue({
        code: "custom",
        message: `Say its kind: ${SECRET_KINDS.join(", ")} (for example /secret add ${input.name} anthropic).`,
      });
      return;
    }
    const generic = secretKind(kind).host === undefined;
    if (generic && input.host === undefined)
      ctx.addIssue({ code: "custom", message: `A ${kind} secret needs the host it is for.` });
    if (!generic && input.host !== undefined)
      ctx.addIssue({
        code: "custom",
        message: `A ${kind} secret is only ever sent to its own host.`,
      });
    if (kind === "header" && input.header === undefined)
      ctx.addIssue({ code: "custom", message: "A header secret needs the header's name." });
  });

export type SecretAddInput = z.input<typeof AddInput>;

const UseInput = z.object({ secret: secretName, container: z.string().trim().min(1) });

/** One secret as /secrets shows it: never its value. */
export interface SecretSummary {
  readonly name: string;
  readonly kind: string;
  readonly host: string;
  readonly ownerId: number;
  readonly uses: readonly {
    readonly container: string;
    readonly requests: number;
    readonly lastUsedAtMs: number | undefined;
  }[];
}

/** What the proxy needs to forward one request: where, and the header that carries the value. */
export interface EgressCredential {
  readonly container: string;
  readonly secretId: number;
  /** hostname[:port] of the upstream, HTTPS. */
  readonly host: string;
  readonly header: string;
  readonly value: Secret;
  /** `Bearer ` for authorization, nothing for a header that carries the value as it is. */
  readonly prefix: string;
}

function box(deps: WorkloadDeps): SecretBox {
  if (!deps.secrets)
    throw new Refusal(
      "unavailable",
      "This host keeps no secrets: the admin has not set VOXNIX_SECRETS_KEY_FILE.",
    );
  return deps.secrets.box;
}

/** What a sealed value is bound to: moved onto another row, it does not open. */
const contextOf = (record: Pick<SecretRecord, "id" | "ownerId" | "name">) =>
  `secret:${record.id}:${record.ownerId}:${record.name}`;

/** Checks a /secret add before its value is asked for: the same refusals `addSecret` gives. */
export function checkSecretAdd(deps: WorkloadDeps, actor: Actor, input: SecretAddInput) {
  box(deps);
  const parsed = parseOrRefuse(AddInput, input);
  if (deps.store.secrets.find(actor.userId, parsed.name))
    throw new Refusal(
      "name-taken",
      `You already have a secret named ${parsed.name}; /secret rm ${parsed.name} first to replace it.`,
    );
  const kind = (parsed.kind ?? parsed.name) as SecretKindName;
  return {
    name: parsed.name,
    kind,
    host: parsed.host ?? (secretKind(kind).host as string),
    header: kind === "header" ? parsed.header : secretKind(kind).header,
  };
}

/** /secret add: seals `value` under the actor's name; audited without it. */
export function addSecret(
  deps: WorkloadDeps,
  actor: Actor,
  input: SecretAddInput & { value: Secret },
) {
  const sealer = box(deps);
  const audit = auditTrail(deps, { actor, action: "secret-add", target: String(input.name) });
  const plan = checkSecretAdd(deps, actor, input);
  const value = input.value.reveal().trim();
  if (value === "" || value.length > SECRET_VALUE_MAX_CHARS || /[\r\n\0]/.test(value))
    throw new Refusal(
      "invalid-input",
      `That is not a key: a secret is one line of at most ${SECRET_VALUE_MAX_CHARS} characters.`,
    );
  const record = deps.store.secrets.add({ ownerId: actor.userId, ...plan }, (row) =>
    sealer.seal(new Secret(value), contextOf(row)),
  );
  if (!record) throw new Refusal("name-taken", `You already have a secret named ${plan.name}.`);
  audit("ok", { kind: plan.kind, host: plan.host });
  return { name: plan.name, kind: plan.kind, host: plan.host };
}

/** /secrets: the actor's secrets (an admin's `all`: everyone's), with who uses each. */
export function listSecrets(
  deps: WorkloadDeps,
  actor: Actor,
  options: { all?: boolean } = {},
): SecretSummary[] {
  if (options.all && !isAdmin(actor))
    throw new Refusal("not-allowed", "Only an admin sees everyone's secrets.");
  return deps.store.secrets.list(options.all ? undefined : actor.userId).map((s) => ({
    name: s.name,
    kind: s.kind,
    host: s.host,
    ownerId: s.ownerId,
    uses: deps.store.secrets.uses(s.id).map((u) => ({
      container: u.container,
      requests: u.requests,
      lastUsedAtMs: u.lastUsedAtMs,
    })),
  }));
}

function ownSecret(deps: WorkloadDeps, actor: Actor, name: string): SecretRecord {
  const record = deps.store.secrets.find(actor.userId, name);
  if (!record)
    throw new Refusal("not-found", `You have no secret named ${name}. /secrets lists yours.`);
  return record;
}

/** /secret rm: the value is gone, and every container using it stops at once. */
export async function removeSecret(deps: WorkloadDeps, actor: Actor, input: { secret: string }) {
  box(deps);
  const name = parseOrRefuse(secretName, input.secret);
  const record = ownSecret(deps, actor, name);
  const users = deps.store.secrets.uses(record.id).map((u) => u.container);
  deps.store.secrets.remove(record.id);
  auditTrail(deps, { actor, action: "secret-remove", target: name })("ok", {
    containers: users,
  });
  for (const container of users) await writeEgressEnvironment(deps, container);
  return { name, containers: users };
}

/**
 * /secret use and unuse: only one's own secret, on one's own container (an admin too: a
 * secret is its owner's to hand out).
 */
export async function setSecretUse(
  deps: WorkloadDeps,
  actor: Actor,
  input: { secret: string; container: string },
  used: boolean,
) {
  box(deps);
  const { secret, container } = parseOrRefuse(UseInput, input);
  const audit = auditTrail(deps, {
    actor,
    action: used ? "secret-use" : "secret-unuse",
    target: container,
  });
  let changed: boolean;
  try {
    const record = ownSecret(deps, actor, secret);
    const row = deps.store.containers.find(container);
    if (!row || row.ownerId !== actor.userId)
      throw new Refusal(
        "not-found",
        `You have no container named "${container}". /list shows yours.`,
        { name: container },
      );
    changed = used
      ? deps.store.secrets.grant(record.id, container)
      : deps.store.secrets.revoke(record.id, container);
  } catch (error) {
    audit(outcomeOf(error), { secret, ...failureOf(error) });
    throw error;
  }
  audit("ok", { secret, changed });
  if (changed) await writeEgressEnvironment(deps, container);
  return { secret, container, used, changed };
}

/**
 * For the egress proxy: the credential for a request from `address` (the source address on
 * the containers' network, which the tenant firewall pins to one container) to `route` (the
 * first path segment: one of the container's secrets by name, or by kind when it may use one
 * of that kind). A refusal for anything else: no container there, no such use.
 */
export function egressCredential(
  deps: WorkloadDeps,
  input: { address: string; route: string },
): EgressCredential {
  const sealer = box(deps);
  const number = addressNumber(input.address);
  const container = number === undefined ? undefined : deps.store.addresses.containerAt(number);
  const row = container === undefined ? undefined : deps.store.containers.find(container);
  if (!row || container === undefined)
    throw new Refusal("not-allowed", `No container of this host has the address ${input.address}.`);
  const usable = deps.store.secrets.usedBy(container).filter((s) => s.ownerId === row.ownerId);
  const byName = usable.find((s) => s.name === input.route);
  const byKind = usable.filter((s) => s.kind === input.route);
  if (!byName && byKind.length > 1)
    throw new Refusal(
      "conflict",
      `${container} may use ${byKind.length} ${input.route} secrets; name one in the URL (${byKind.map((s) => s.name).join(", ")}).`,
    );
  const record = byName ?? byKind[0];
  if (!record)
    throw new Refusal(
      "not-found",
      `${container} may not use a secret called ${JSON.stringify(input.route.slice(0, 40))}.`,
    );
  const header = record.header ?? "authorization";
  return {
    container,
    secretId: record.id,
    host: record.host,
    header,
    value: sealer.open(record.sealed, contextOf(record)),
    prefix: header === "authorization" ? "Bearer " : "",
  };
}

/** For the egress proxy: one request forwarded with the secret, counted (never its body). */
export function countEgressUse(
  deps: WorkloadDeps,
  credential: Pick<EgressCredential, "secretId" | "container">,
) {
  deps.store.secrets.countUse(credential.secretId, credential.container);
}
