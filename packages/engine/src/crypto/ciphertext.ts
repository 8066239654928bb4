import { type CipherGCM, createCipheriv, createDecipheriv, type DecipherGCM } from "node:crypto";
import type { TKeySpec } from "@kms/domain";

/**
 * Symmetric ciphertext: 0x01 ‖ key UUID (16 bytes) ‖ version (uint32 BE) ‖ IV (12) ‖ GCM tag (16) ‖ body.
 * The header is part of the GCM AAD, so changing the key ID or version fails authentication.
 */
export const FORMAT_VERSION = 0x01;
export const HEADER_LENGTH = 21;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const MIN_LENGTH = HEADER_LENGTH + IV_LENGTH + TAG_LENGTH + 1;

export interface ParsedCiphertext {
  keyId: string;
  version: number;
  header: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

const cipherName = (spec: TKeySpec): string => (spec === "SM4" ? "sm4-gcm" : "aes-256-gcm");

function uuidToBytes(keyId: string): Buffer {
  const hex = keyId.replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error("key IDs in ciphertext must be hex UUIDs");
  return Buffer.from(hex, "hex");
}

function bytesToUuid(bytes: Buffer): string {
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function encodeHeader(keyId: string, version: number): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = FORMAT_VERSION;
  uuidToBytes(keyId).copy(header, 1);
  header.writeUInt32BE(version, 17);
  return header;
}

/** Undefined when the bytes cannot be one of our ciphertexts. */
export function parseCiphertext(data: Buffer): ParsedCiphertext | undefined {
  if (data.length < MIN_LENGTH || data[0] !== FORMAT_VERSION) return undefined;
  const version = data.readUInt32BE(17);
  if (version < 1) return undefined;
  return {
    keyId: bytesToUuid(data.subarray(1, 17)),
    version,
    header: data.subarray(0, HEADER_LENGTH),
    iv: data.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH),
    tag: data.subarray(HEADER_LENGTH + IV_LENGTH, HEADER_LENGTH + IV_LENGTH + TAG_LENGTH),
    body: data.subarray(HEADER_LENGTH + IV_LENGTH + TAG_LENGTH),
  };
}

export function seal(
  spec: TKeySpec,
  material: Buffer,
  keyId: string,
  version: number,
  plaintext: Buffer,
  aad: Buffer | undefined,
  iv: Buffer,
): Buffer {
  const header = encodeHeader(keyId, version);
  const cipher = createCipheriv(cipherName(spec), material, iv) as CipherGCM;
  cipher.setAAD(aad ? Buffer.concat([header, aad]) : header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

/** Undefined when authentication fails (tampered bytes, wrong AAD, wrong key). */
export function open(
  spec: TKeySpec,
  material: Buffer,
  parsed: ParsedCiphertext,
  aad: Buffer | undefined,
): Buffer | undefined {
  const decipher = createDecipheriv(cipherName(spec), material, parsed.iv) as DecipherGCM;
  decipher.setAAD(aad ? Buffer.concat([parsed.header, aad]) : parsed.header);
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
  } catch {
    return undefined;
  }
}
