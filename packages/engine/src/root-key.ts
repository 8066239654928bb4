import { createCipheriv, createDecipheriv, randomBytes, randomFillSync, randomUUID } from "node:crypto";
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

const POOL_SIZE = 4096;
/** Requests up to this size are served from the pool; larger ones go straight to the CSPRNG. */
const POOLED_MAX = 64;

/**
 * CSPRNG bytes, the small requests (IVs, IDs) cut from a pool refilled 4 KiB at a time, which saves
 * a call into OpenSSL per request. Each byte of the pool is handed out once and the caller gets its
 * own copy, never a view that shares memory with other callers' bytes.
 */
export function createPooledRandom(poolSize = POOL_SIZE): Random {
  const pool = Buffer.alloc(poolSize);
  let offset = poolSize;
  return {
    bytes(length) {
      if (length > POOLED_MAX || length > poolSize) return randomBytes(length);
      if (offset + length > poolSize) {
        randomFillSync(pool);
        offset = 0;
      }
      const out = Buffer.allocUnsafeSlow(length);
      pool.copy(out, 0, offset, offset + length);
      // Wipe what was handed out, so the pool never holds another copy of a caller's bytes.
      pool.fill(0, offset, offset + length);
      offset += length;
      return out;
    },
    uuid: () => randomUUID(),
  };
}

export const systemRandom: Random = createPooledRandom();
