import { z } from "zod";
import { parseSize } from "../size.js";

/**
 * Container names are nspawn machine names: host-wide, at most 11 characters with private
 * networking (host veth `vb-` + name ≤ 15), `[a-z0-9-]`, no leading or trailing hyphen
 * (host-cli-reference.md).
 */
export const containerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,9}[a-z0-9])?$/,
    "a container name is 1 to 11 characters of a-z, 0-9 and -, not starting or ending with -",
  );

/** Whether `text` is a container name exactly as written (not only after trimming and lowering). */
export const isContainerName = (text: string) => containerName.safeParse(text).data === text;

const memory = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === "number" ? value : parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: "custom", message: "memory is a size such as 2G or 512M" });
    return z.NEVER;
  }
  return bytes;
});

/** What a user may ask for when creating a container. */
export const CreateInput = z.object({
  name: containerName,
  modules: z.array(z.string().trim().toLowerCase()).default([]),
  cpus: z.number().positive("cpus must be more than 0").optional(),
  memory: memory.optional(),
  /** Admins only: create on behalf of this user. */
  owner: z.number().int().positive().optional(),
});
export type CreateInput = z.input<typeof CreateInput>;

export const NameInput = z.object({ name: containerName });
export type NameInput = z.input<typeof NameInput>;

/** Always part of a container: its persistent /workspace. */
export const IMPLICIT_MODULES = ["workspace"] as const;
export const DEFAULT_TASKS_MAX = 4096;

/**
 * The spec as mkContainer reads it (`builtins.fromJSON`): the one schema both sides agree on,
 * checked from TypeScript here and from Nix in tests/nix. It never holds a secret value, only
 * the path of a root-only file.
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
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;
