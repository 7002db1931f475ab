import { inspect } from "node:util";

const MASK = "[redacted]";

/**
 * A secret value that does not print itself.
 *
 * String conversion, JSON and `util.inspect` all show a mask, so a config object or an error that
 * holds one can be logged or printed by mistake without leaking it. Only `reveal()` gives the
 * value, and the few places that call it are the places that hand it to its one consumer.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}

export { MASK as SECRET_MASK };
