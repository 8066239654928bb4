import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import type { MessageType, SigningAlgorithm } from "../api.js";
import { KmsError } from "../errors.js";

type Hash = "sha256" | "sha384" | "sha512";
type Scheme = "pss" | "pkcs1" | "ecdsa";

const HASH_LENGTH: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER DigestInfo prefixes of RFC 8017 §9.2, note 1. */
const DIGEST_INFO: Record<Hash, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

export function parseSigningAlgorithm(algorithm: SigningAlgorithm): { scheme: Scheme; hash: Hash } {
  const match = /^(RSASSA_PSS|RSASSA_PKCS1_V1_5|ECDSA)_SHA_(256|384|512)$/.exec(algorithm);
  if (!match) throw new KmsError("KMS.0308", "unknown signing_algorithm");
  const scheme: Scheme = match[1] === "RSASSA_PSS" ? "pss" : match[1] === "ECDSA" ? "ecdsa" : "pkcs1";
  return { scheme, hash: `sha${match[2]}` as Hash };
}

const modulusBytes = (key: KeyObject): number =>
  Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
const modulusBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, total = 0; total < length; i++, total += HASH_LENGTH[hash]) {
    counter.writeUInt32BE(i);
    out.push(createHash(hash).update(seed).update(counter).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 of the same hash and a salt as long as the hash. */
function pssEncode(hash: Hash, mHash: Buffer, emBits: number): Buffer {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const maskedDb = xor(db, mgf1(hash, h, emLen - hLen - 1));
  maskedDb[0] = (maskedDb[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([maskedDb, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with salt length = hash length. */
function pssVerify(hash: Hash, mHash: Buffer, em: Buffer, emBits: number): boolean {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((maskedDb[0] ?? 0) & ~topMask) !== 0) return false;
  const db = xor(maskedDb, mgf1(hash, h, maskedDb.length));
  db[0] = (db[0] ?? 0) & topMask;
  const psLength = emLen - 2 * hLen - 2;
  for (let i = 0; i < psLength; i++) if (db[i] !== 0) return false;
  if (db[psLength] !== 1) return false;
  const salt = db.subarray(db.length - hLen);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(expected, h);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

function leftPad(data: Buffer, length: number): Buffer {
  return data.length >= length ? data : Buffer.concat([Buffer.alloc(length - data.length), data]);
}

function checkDigest(hash: Hash, message: Buffer): void {
  if (message.length !== HASH_LENGTH[hash]) {
    throw new KmsError("KMS.0308", `a DIGEST message must be the ${HASH_LENGTH[hash]}-byte ${hash} digest`);
  }
}

const ECDSA_DIGEST = "ECDSA signing of a precomputed digest is not supported; use message_type RAW";

/** Signs with a PKCS8 DER private key. DIGEST means the message already is the hash. */
export function signMessage(
  privateDer: Buffer,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Buffer,
): Buffer {
  const { scheme, hash } = parseSigningAlgorithm(algorithm);
  const key = createPrivateKey({ key: privateDer, format: "der", type: "pkcs8" });
  if (messageType === "RAW") {
    if (scheme === "ecdsa") return sign(hash, message, key);
    if (scheme === "pkcs1") return sign(hash, message, { key, padding: constants.RSA_PKCS1_PADDING });
    return sign(hash, message, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: HASH_LENGTH[hash],
    });
  }
  if (scheme === "ecdsa") throw new KmsError("KMS.0308", ECDSA_DIGEST);
  checkDigest(hash, message);
  if (scheme === "pkcs1") {
    return privateEncrypt(
      { key, padding: constants.RSA_PKCS1_PADDING },
      Buffer.concat([DIGEST_INFO[hash], message]),
    );
  }
  const em = pssEncode(hash, message, modulusBits(key) - 1);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(em, modulusBytes(key)));
}

/** Verifies with an SPKI DER public key; a malformed signature is simply invalid. */
export function verifyMessage(
  publicDer: Buffer,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Buffer,
  signature: Buffer,
): boolean {
  const { scheme, hash } = parseSigningAlgorithm(algorithm);
  const key = createPublicKey({ key: publicDer, format: "der", type: "spki" });
  if (messageType === "DIGEST") {
    if (scheme === "ecdsa") throw new KmsError("KMS.0308", ECDSA_DIGEST);
    checkDigest(hash, message);
  }
  try {
    if (messageType === "RAW") {
      if (scheme === "ecdsa") return verify(hash, message, key, signature);
      if (scheme === "pkcs1") {
        return verify(hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      }
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] };
      return verify(hash, message, options, signature);
    }
    const k = modulusBytes(key);
    if (signature.length !== k) return false;
    if (scheme === "pkcs1") {
      const expected = Buffer.concat([DIGEST_INFO[hash], message]);
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    const raw = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
    const emBits = modulusBits(key) - 1;
    const emLen = Math.ceil(emBits / 8);
    if (raw.subarray(0, raw.length - emLen).some((b) => b !== 0)) return false;
    return pssVerify(hash, message, raw.subarray(raw.length - emLen), emBits);
  } catch {
    return false;
  }
}
