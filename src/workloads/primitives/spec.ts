import { z } from "zod";
import { parseSize } from "../../size.js";

/**
 * Container names are nspawn machine names: host-wide, at most 11 characters with private
 * networking (host veth `vb-` + name ≤ 15), `[a-z0-9-]`, no leading or trailing hyphen
 * (host-cli-reference.md).
 */
const CONTAINER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,9}[a-z0-9])?$/;

/** The name a person most likely meant by `text` ("Bad_Name": "bad-name"), if there is one. */
function nameLike(text: string): string | undefined {
  const guess = text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return CONTAINER_NAME.test(guess) ? guess : undefined;
}

export const containerName = z
  .string()
  .trim()
  // Refused, not lowered: "Dev" silently becoming "dev" is a different name than was asked for.
  .refine((name) => name === name.toLowerCase(), {
    error: (issue) => {
      const guess = nameLike(String(issue.input));
      return `Container names are lowercase${guess ? `: try "${guess}"` : ""}.`;
    },
    abort: true,
  })
  .regex(
    CONTAINER_NAME,
    "A container name is 1 to 11 characters of a-z, 0-9 and -, not starting or ending with - " +
      "(NixOS names its network link ve-NAME, and Linux allows 15 characters).",
  );

/** Whether `text` is a container name exactly as written (not only after trimming and lowering). */
export const isContainerName = (text: string) => containerName.safeParse(text).data === text;

/** The fewest CPUs a container is given (docs: a change or create below it is refused). */
export const MIN_CPUS = 0.1;

/** Below this, a container cannot boot its NixOS system. */
export const MIN_MEMORY_BYTES = 64 * 1024 ** 2;

const memory = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === "number" ? value : parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: "custom", message: "Memory is a size such as 2G or 512M." });
    return z.NEVER;
  }
  if (bytes < MIN_MEMORY_BYTES) {
    ctx.addIssue({ code: "custom", message: "A container needs at least 64M of memory." });
    return z.NEVER;
  }
  return bytes;
});

/** What a user may ask for when creating a container. */
export const CreateInput = z.object({
  name: containerName,
  modules: z.array(z.string().trim().toLowerCase()).default([]),
  // systemd's CPUQuota= is a whole percentage, so CPUs go in steps of 0.01; below a tenth of one,
  // a NixOS system takes minutes to boot and looks hung.
  cpus: z
    .number()
    .min(MIN_CPUS, `A container needs at least ${MIN_CPUS} CPU.`)
    .refine(
      (n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9,
      "CPUs go in steps of 0.01 (systemd's CPUQuota is a whole percentage).",
    )
    .optional(),
  memory: memory.optional(),
  /** Admins only: create on behalf of this user. */
  owner: z.number().int().positive().optional(),
  /** How long it is wanted, in ms: past that it goes to the trash (warned before, with Undo). */
  ttlMs: z
    .number()
    .int()
    .min(3_600_000, "A lifetime is at least an hour.")
    .max(365 * 86_400_000, "A lifetime is at most a year.")
    .optional(),
});
export type CreateInput = z.input<typeof CreateInput>;

export const NameInput = z.object({ name: containerName });
export type NameInput = z.input<typeof NameInput>;

/** Always part of a container: its persistent /workspace. */
export const IMPLICIT_MODULES = ["workspace"] as const;
export const DEFAULT_TASKS_MAX = 4096;

/**
 * The spec of a container, as the registry keeps it and the daemon stages it: Nix reads its
 * module names (`builtins.fromJSON`, nix/mk-container.nix), the host adapters the rest
 * (src/host/container-files.ts). It never holds a secret value, only the path of a root-only file.
 */
export const ContainerSpec = z.object({
  version: z.literal(1),
  name: containerName,
  owner: z.number().int().positive(),
  modules: z.array(z.string()).min(1),
  limits: z.object({
    cpus: z.number().positive(),
    memoryBytes: z.number().int().positive(),
    tasksMax: z.number().int().positive(),
  }),
  workspace: z.object({ hostPath: z.string().startsWith("/") }),
  tailscale: z.object({ authKeyFile: z.string().startsWith("/") }).nullable(),
  /**
   * The host uids the container's 65,536 users are (workloads/primitives/uid-ranges.ts): its root is
   * `base` on the host, nobody's. Null for containers made before voxnix used user namespaces,
   * whose workspaces are owned by real host uids; absent until a create claims its name.
   */
  privateUsers: z.object({ base: z.number().int().positive() }).nullable().optional(),
  /**
   * Made by a fork: its snapshots from before (its source's, its own once the source is
   * purged) hold files of the source's users, given to its own on a rollback to one.
   */
  forked: z.literal(true).optional(),
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;
