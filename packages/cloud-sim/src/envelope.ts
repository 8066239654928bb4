import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { TServiceCode } from "@kms/domain";
import { call, KmsCallError, type SimContext, SimError } from "./context.js";

/** "default" means the service's default key (`<service>/default`), created by the KMS on first use. */
export type KeyChoice = "default" | (string & {});

/** A data key as the service keeps it: only wrapped by the KMS, never in plaintext. */
export interface WrappedDataKey {
  keyId: string;
  /** Hex, as create-datakey returns it (ciphertext of DEK ‖ digest). */
  cipherText: string;
}

export const keyRef = (service: TServiceCode, key: KeyChoice): string =>
  key === "default" ? `${service}/default` : key;

/** Turns KMS.0306 on a custom key into a message that says what to do. */
function explainRefusal(e: unknown, service: TServiceCode, key: KeyChoice): never {
  if (e instanceof KmsCallError && e.code === "KMS.0306" && key !== "default") {
    throw new KmsCallError(
      e.operation,
      e.status,
      e.code,
      `the KMS refused ${service.toUpperCase()} the use of key ${key} (KMS.0306): an admin must grant it ` +
        `first, e.g. \`pnpm sim grant ${service} ${key}\``,
    );
  }
  throw e;
}

/** create-datakey: a fresh 256-bit DEK in plaintext (to use once, then zero) and wrapped (to store). */
export async function createDataKey(
  ctx: SimContext,
  service: TServiceCode,
  key: KeyChoice,
): Promise<{ plaintext: Buffer; wrapped: WrappedDataKey }> {
  try {
    const r = await call<{ key_id: string; plain_text: string; cipher_text: string }>(
      ctx.service(service),
      "create-datakey",
      { key_id: keyRef(service, key), datakey_length: "256" },
    );
    return {
      plaintext: Buffer.from(r.plain_text, "hex"),
      wrapped: { keyId: r.key_id, cipherText: r.cipher_text },
    };
  } catch (e) {
    explainRefusal(e, service, key);
  }
}

/** decrypt-datakey: the plaintext DEK back from its wrapped form. The caller zeroes it after use. */
export async function decryptDataKey(
  ctx: SimContext,
  service: TServiceCode,
  wrapped: WrappedDataKey,
): Promise<Buffer> {
  try {
    const r = await call<{ data_key: string }>(ctx.service(service), "decrypt-datakey", {
      key_id: wrapped.keyId,
      cipher_text: wrapped.cipherText,
      datakey_cipher_length: "32",
    });
    return Buffer.from(r.data_key, "hex");
  } catch (e) {
    explainRefusal(e, service, wrapped.keyId);
  }
}

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** AES-256-GCM under the DEK; `aad` binds the ciphertext to its name. */
export function seal(dek: Buffer, plaintext: Uint8Array, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", dek, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

export function open(dek: Buffer, sealed: Sealed, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", dek, sealed.iv);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new SimError("integrity check failed: the stored data or its metadata was modified");
  }
}

/** Names become file names: no separators, no dot-only names. */
export function checkName(name: string, what: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(name) || /^\.+$/.test(name) || name.endsWith(".meta.json")) {
    throw new SimError(`invalid ${what} name "${name}" (letters, digits, ".", "_", "-"; at most 200)`);
  }
  return name;
}
