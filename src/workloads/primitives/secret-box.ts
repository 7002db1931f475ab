import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { VoxnixError } from "../../errors.js";
import { Secret } from "../../secret.js";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The first byte of every sealed value: the format, so a later one can be told apart. */
const VERSION = 1;

/** A sealed value that does not open: tampered with, moved to another secret, or another key. */
export class SecretUnreadable extends VoxnixError {
  readonly userMessage = "That secret cannot be read on this host; remove it and add it again.";
}

/**
 * Seals secret values at rest: AES-256-GCM under the host's key (VOXNIX_SECRETS_KEY_FILE), a
 * random 96-bit nonce per value, and `context` (the secret's id, owner and name) bound in as
 * additional data, so a sealed value copied onto another secret's row, or altered by one bit,
 * does not open. Layout: version (1) · nonce (12) · tag (16) · ciphertext.
 */
export function secretBox(key: Buffer) {
  if (key.length !== 32) throw new Error("the secrets key must be 32 bytes");
  return {
    seal(value: Secret, context: string): Buffer {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(value.reveal(), "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), nonce, cipher.getAuthTag(), body]);
    },
    /** @throws SecretUnreadable when the value was not sealed by this key for `context`. */
    open(sealed: Buffer, context: string): Secret {
      if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION)
        throw new SecretUnreadable(`sealed secret ${context} has an unknown format`);
      const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
      const tag = sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      try {
        const body = sealed.subarray(1 + NONCE_BYTES + TAG_BYTES);
        return new Secret(
          Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8"),
        );
      } catch (error) {
        throw new SecretUnreadable(`sealed secret ${context} does not open`, { cause: error });
      }
    },
  };
}

export type SecretBox = ReturnType<typeof secretBox>;
