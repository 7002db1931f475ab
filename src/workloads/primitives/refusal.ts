import type { z } from "zod";
import { VoxnixError } from "../../errors.js";

export type RefusalReason =
  | "invalid-input"
  | "not-found"
  | "name-taken"
  | "limit"
  | "quota"
  | "unavailable"
  | "not-allowed"
  | "not-confirmed"
  | "conflict"
  | "busy";

/**
 * A request voxnix will not carry out, with the reason and what the user can do instead.
 * Nothing has changed when a Refusal is thrown.
 */
export class Refusal extends VoxnixError {
  constructor(
    readonly reason: RefusalReason,
    readonly userMessage: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${reason}: ${userMessage}`);
  }
}

/**
 * Parses `input` or refuses with every problem, each a sentence. voxnix's schemas say what is
 * wrong in words that name the thing; only zod's own type errors get the field's name first.
 */
export function parseOrRefuse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    sentence(
      issue.code === "invalid_type" && issue.path.length > 0
        ? `${issue.path.join(".")}: ${issue.message}`
        : issue.message,
    ),
  );
  throw new Refusal("invalid-input", problems.join(" "));
}

const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;
