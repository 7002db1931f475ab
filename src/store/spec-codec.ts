import { VoxnixError } from "../errors.js";
import type { JsonObject } from "./json.js";

/**
 * How the store turns a spec column back into the spec workloads/ works with: the store keeps
 * JSON and knows no schema, so the composition root hands it the parser (ContainerSpec.parse).
 * Parsing on every read means a row no voxnix can use is an error here, not a cast further up.
 */
export interface SpecCodec<Spec> {
  parse(value: unknown): Spec;
}

/** Any JSON object, unchecked: for tests of the store alone. */
export const JSON_SPEC: SpecCodec<JsonObject> = { parse: (value) => value as JsonObject };

/** A registry row whose spec this voxnix cannot read (written by hand, or by another version). */
export class UnreadableSpecError extends VoxnixError {
  readonly userMessage =
    "The registry holds a record voxnix cannot read; the admin has the details.";
}

export function readSpec<Spec>(codec: SpecCodec<Spec>, text: string, where: string): Spec {
  try {
    return codec.parse(JSON.parse(text));
  } catch (error) {
    throw new UnreadableSpecError(
      `${where}: the registry's spec does not parse: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
