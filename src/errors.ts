/**
 * The one base for voxnix's own errors (style.md, Errors).
 *
 * `message` is for logs: facts, already free of secrets. `userMessage` is safe to show in chat:
 * short, actionable, and never a raw tool output. The bot shows `userMessage` for a VoxnixError
 * and a short apology with a log reference for anything else.
 */
export abstract class VoxnixError extends Error {
  abstract readonly userMessage: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isVoxnixError(error: unknown): error is VoxnixError {
  return error instanceof VoxnixError;
}
