import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import type { Clock, Random, RootKey } from "./ports.js";

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/**
 * AES-256-GCM root key. Each wrap draws a fresh 12-byte IV; `context` is the GCM AAD, so a blob
 * only unwraps for the row it was made for. Format: iv ‖ tag ‖ ciphertext.
 */
export function createRootKey(key: Buffer): RootKey {
  if (key.length !== 32) throw new Error("the root key must be 32 bytes");
  const secret = Buffer.from(key);
  return {
    wrap(plaintext, context) {
      const iv = randomBytes(IV_LENGTH);
      const cipher = createCipheriv("aes-256-gcm", secret, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    unwrap(wrapped, context) {
      if (wrapped.length < IV_LENGTH + TAG_LENGTH) throw new Error("wrapped blob is too short");
      const decipher = createDecipheriv("aes-256-gcm", secret, wrapped.subarray(0, IV_LENGTH));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(wrapped.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
      try {
        return Buffer.concat([decipher.update(wrapped.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]);
      } catch {
        // Wrong root key or a blob moved to another row; never echo the blob.
        throw new Error(`the root key could not unwrap the blob for context ${context}`);
      }
    },
  };
}

export const systemClock: Clock = { now: () => new Date() };

export const systemRandom: Random = {
  bytes: (length) => randomBytes(length),
  uuid: () => randomUUID(),
};
