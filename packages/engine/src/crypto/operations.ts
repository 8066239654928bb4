import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  timingSafeEqual,
} from "node:crypto";
import { keyFamily, type TCaller, type TKey } from "@kms/domain";
import type { EncryptionAlgorithm, KeyRef, MacAlgorithm, MessageType, SigningAlgorithm } from "../api.js";
import { authorize } from "../authorize.js";
import { type CallScope, type EngineContext, runOperation } from "../context.js";
import { KmsError } from "../errors.js";
import { parseKeyRef, resolveKey, resolveKeyWithVersion } from "../keys/resolve.js";
import { requireUsable } from "../keys/rules.js";
import type { KeyVersionRecord } from "../ports.js";
import { open, type ParsedCiphertext, parseCiphertext, seal } from "./ciphertext.js";
import { checkMac, computeMac } from "./mac.js";
import { parseSigningAlgorithm, signMessage, verifyMessage } from "./sign.js";

const IV_LENGTH = 12;
const MAX_PLAINTEXT = 4096;
const MAX_AAD = 128;
const OAEP_SHA256_OVERHEAD = 2 * 32 + 2;

type EncryptKind = "symmetric" | "rsa";

/** Which encryption a key supports, refusing the wrong usage or algorithm with its documented code. */
function encryptKind(key: TKey, algorithm: EncryptionAlgorithm | undefined): EncryptKind {
  const family = keyFamily(key.spec);
  if (family === "ec") throw new KmsError("KMS.1114");
  if (family === "hmac") throw new KmsError("KMS.0331");
  if (family === "symmetric") {
    if (algorithm !== undefined && algorithm !== "SYMMETRIC_DEFAULT") throw new KmsError("KMS.2105");
    return "symmetric";
  }
  if (key.usage !== "ENCRYPT_DECRYPT") throw new KmsError("KMS.0335");
  if (algorithm !== undefined && algorithm !== "RSAES_OAEP_SHA_256") throw new KmsError("KMS.2106");
  return "rsa";
}

/** Data keys are sealed under symmetric keys only. */
function requireDataKeyKey(key: TKey): void {
  const family = keyFamily(key.spec);
  if (family === "ec") throw new KmsError("KMS.1114");
  if (family === "hmac") throw new KmsError("KMS.0331");
  if (family === "rsa") throw new KmsError("KMS.0325");
}

function requireSignKey(key: TKey, algorithm: SigningAlgorithm): void {
  const family = keyFamily(key.spec);
  if (family === "symmetric") throw new KmsError("KMS.1115");
  if (family === "hmac") throw new KmsError("KMS.0331");
  if (key.usage !== "SIGN_VERIFY") throw new KmsError("KMS.0334");
  const { scheme } = parseSigningAlgorithm(algorithm);
  if ((family === "ec") !== (scheme === "ecdsa")) {
    throw new KmsError("KMS.0308", `signing_algorithm ${algorithm} does not fit a ${key.spec} key`);
  }
}

function requireMacKey(key: TKey): void {
  const family = keyFamily(key.spec);
  if (family === "symmetric") throw new KmsError("KMS.0331");
  if (family !== "hmac") throw new KmsError("KMS.0325");
}

function checkMessage(message: Buffer, what: string): void {
  if (!Buffer.isBuffer(message) || message.length < 1 || message.length > MAX_PLAINTEXT) {
    throw new KmsError("KMS.0308", `${what} must be 1 to ${MAX_PLAINTEXT} bytes`);
  }
}

function checkAad(aad: Buffer | undefined): void {
  if (aad !== undefined && (!Buffer.isBuffer(aad) || aad.length > MAX_AAD)) {
    throw new KmsError("KMS.0308", `additional authenticated data must be at most ${MAX_AAD} bytes`);
  }
}

function material(ctx: EngineContext, version: KeyVersionRecord): Buffer {
  if (version.wrappedMaterial.length === 0) throw new KmsError("KMS.0310");
  const context = `${version.keyId}:${version.version}`;
  return ctx.materials.get(context, version.wrappedMaterial, () =>
    ctx.rootKey.unwrap(version.wrappedMaterial, context),
  );
}

function publicKeyOf(version: KeyVersionRecord): Buffer {
  if (!version.publicKey) throw new KmsError("KMS.0101", "asymmetric key without public key");
  return version.publicKey;
}

const rsaMaxPlaintext = (key: TKey): number => Number(key.spec.slice(4)) / 8 - OAEP_SHA256_OVERHEAD;

/** Loads the version a ciphertext names; a key that exists without that version means bad ciphertext. */
async function loadVersion(
  ctx: EngineContext,
  caller: TCaller,
  keyId: string,
  version: number,
  scope: CallScope,
  invalid: "KMS.2301" | "KMS.2201",
): Promise<{ key: TKey; version: KeyVersionRecord }> {
  const found = await ctx.store.getKeyWithVersion(caller.projectId, keyId, version);
  if (found) {
    scope.keyId = found.key.id;
    return found;
  }
  const key = await ctx.store.getKey(caller.projectId, keyId);
  if (!key) throw new KmsError("KMS.0207");
  scope.keyId = key.id;
  throw new KmsError(invalid);
}

export function encryptData(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; plaintext: Buffer; aad?: Buffer; algorithm?: EncryptionAlgorithm },
): Promise<{ keyId: string; ciphertext: Buffer }> {
  return runOperation(ctx, caller, "encrypt-data", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "encrypt-data", key);
    const kind = encryptKind(key, input.algorithm);
    requireUsable(key);
    checkMessage(input.plaintext, "plaintext");
    checkAad(input.aad);
    if (kind === "rsa") {
      if (input.plaintext.length > rsaMaxPlaintext(key)) throw new KmsError("KMS.2108");
      const ciphertext = publicEncrypt(
        {
          key: createPublicKey({ key: publicKeyOf(version), format: "der", type: "spki" }),
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: "sha256",
        },
        input.plaintext,
      );
      return { keyId: key.id, ciphertext };
    }
    const secret = material(ctx, version);
    const iv = ctx.random.bytes(IV_LENGTH);
    return {
      keyId: key.id,
      ciphertext: seal(key.spec, secret, key.id, version.version, input.plaintext, input.aad, iv),
    };
  });
}

async function decryptRsa(
  ctx: EngineContext,
  caller: TCaller,
  input: { ciphertext: Buffer; ref: KeyRef; algorithm?: EncryptionAlgorithm },
  scope: CallScope,
): Promise<{ keyId: string; plaintext: Buffer }> {
  const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
  await authorize(ctx.store, caller, "decrypt-data", key);
  // A symmetric key's ciphertext always carries our header; without it the bytes are not ours.
  if (encryptKind(key, input.algorithm) !== "rsa") throw new KmsError("KMS.2301");
  requireUsable(key);
  const secret = material(ctx, version);
  try {
    const plaintext = privateDecrypt(
      {
        key: createPrivateKey({ key: secret, format: "der", type: "pkcs8" }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
      },
      input.ciphertext,
    );
    return { keyId: key.id, plaintext };
  } catch {
    throw new KmsError("KMS.2301");
  }
}

/** Symmetric ciphertext names its key and version; `ref`, if given, must name the same key. */
export function decryptData(
  ctx: EngineContext,
  caller: TCaller,
  input: { ciphertext: Buffer; aad?: Buffer; ref?: KeyRef; algorithm?: EncryptionAlgorithm },
): Promise<{ keyId: string; plaintext: Buffer }> {
  return runOperation(ctx, caller, "decrypt-data", async (scope) => {
    if (!Buffer.isBuffer(input.ciphertext)) throw new KmsError("KMS.2301");
    checkAad(input.aad);
    if (input.algorithm === "RSAES_OAEP_SHA_256" && input.ref === undefined) {
      throw new KmsError("KMS.0204", "key_id is needed to decrypt RSA ciphertext");
    }
    const parsed = parseCiphertext(input.ciphertext);
    if (input.ref !== undefined) {
      const ref = input.ref;
      // Without our header, a ref to an RSA key means RSA ciphertext.
      const named = parseKeyRef(ref);
      const isOurs = parsed && (named.kind === "default" || named.keyId === parsed.keyId);
      if (!isOurs || input.algorithm === "RSAES_OAEP_SHA_256") {
        return decryptRsa(
          ctx,
          caller,
          { ciphertext: input.ciphertext, ref, algorithm: input.algorithm },
          scope,
        );
      }
    }
    if (!parsed) throw new KmsError("KMS.2301");
    if (input.ref !== undefined) {
      const named = await resolveKey(ctx, caller, input.ref, scope);
      if (named.id !== parsed.keyId) throw new KmsError("KMS.2301");
    }
    const { key, version } = await loadVersion(ctx, caller, parsed.keyId, parsed.version, scope, "KMS.2301");
    await authorize(ctx.store, caller, "decrypt-data", key);
    if (encryptKind(key, input.algorithm) !== "symmetric") throw new KmsError("KMS.2301");
    requireUsable(key);
    const plaintext = open(key.spec, material(ctx, version), parsed, input.aad);
    if (!plaintext) throw new KmsError("KMS.2301");
    return { keyId: key.id, plaintext };
  });
}

export function createDataKey(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; lengthBits: number; aad?: Buffer; withPlaintext: boolean },
): Promise<{ keyId: string; plaintext: Buffer | null; ciphertext: Buffer }> {
  const operation = input.withPlaintext ? "create-datakey" : "create-datakey-without-plaintext";
  return runOperation(ctx, caller, operation, async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, operation, key);
    const bits = input.lengthBits;
    if (!(bits >= 8 && bits <= 8192)) throw new KmsError("KMS.1901");
    if (!Number.isInteger(bits) || bits % 8 !== 0) throw new KmsError("KMS.1903");
    checkAad(input.aad);
    requireDataKeyKey(key);
    requireUsable(key);
    const dek = ctx.random.bytes(bits / 8);
    const iv = ctx.random.bytes(IV_LENGTH);
    const ciphertext = seal(key.spec, material(ctx, version), key.id, version.version, dek, input.aad, iv);
    return { keyId: key.id, plaintext: input.withPlaintext ? dek : null, ciphertext };
  });
}

const sha256 = (data: Buffer): Buffer => createHash("sha256").update(data).digest();

function checkDataKeyLength(length: number, code: "KMS.2102" | "KMS.2202"): void {
  if (!Number.isInteger(length) || length < 1 || length > 1024) throw new KmsError(code);
}

export function encryptDataKey(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; plaintext: Buffer; dataKeyLength: number; aad?: Buffer },
): Promise<{ keyId: string; ciphertext: Buffer; dataKeyLength: number }> {
  return runOperation(ctx, caller, "encrypt-datakey", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "encrypt-datakey", key);
    checkDataKeyLength(input.dataKeyLength, "KMS.2102");
    if (!Buffer.isBuffer(input.plaintext)) throw new KmsError("KMS.2101");
    if (input.plaintext.length !== input.dataKeyLength + 32) throw new KmsError("KMS.2104");
    checkAad(input.aad);
    const dek = input.plaintext.subarray(0, input.dataKeyLength);
    if (!timingSafeEqual(sha256(dek), input.plaintext.subarray(input.dataKeyLength))) {
      throw new KmsError("KMS.2103");
    }
    requireDataKeyKey(key);
    requireUsable(key);
    const iv = ctx.random.bytes(IV_LENGTH);
    const ciphertext = seal(key.spec, material(ctx, version), key.id, version.version, dek, input.aad, iv);
    return { keyId: key.id, ciphertext, dataKeyLength: input.dataKeyLength };
  });
}

export function decryptDataKey(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; ciphertext: Buffer; dataKeyLength: number; aad?: Buffer },
): Promise<{ keyId: string; dataKey: Buffer; digest: Buffer }> {
  return runOperation(ctx, caller, "decrypt-datakey", async (scope) => {
    const named = await resolveKey(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "decrypt-datakey", named);
    checkDataKeyLength(input.dataKeyLength, "KMS.2202");
    checkAad(input.aad);
    const parsed: ParsedCiphertext | undefined = Buffer.isBuffer(input.ciphertext)
      ? parseCiphertext(input.ciphertext)
      : undefined;
    if (!parsed || parsed.keyId !== named.id) throw new KmsError("KMS.2201");
    requireDataKeyKey(named);
    requireUsable(named);
    const { key, version } = await loadVersion(ctx, caller, parsed.keyId, parsed.version, scope, "KMS.2201");
    const dataKey = open(key.spec, material(ctx, version), parsed, input.aad);
    if (!dataKey) throw new KmsError("KMS.2203");
    if (dataKey.length !== input.dataKeyLength) throw new KmsError("KMS.2204");
    return { keyId: key.id, dataKey, digest: sha256(dataKey) };
  });
}

export function generateRandom(ctx: EngineContext, caller: TCaller, lengthBits: number): Promise<Buffer> {
  return runOperation(ctx, caller, "gen-random", async () => {
    await authorize(ctx.store, caller, "gen-random", null);
    if (!(lengthBits >= 8 && lengthBits <= 8192)) throw new KmsError("KMS.1801");
    if (!Number.isInteger(lengthBits) || lengthBits % 8 !== 0) throw new KmsError("KMS.1802");
    return ctx.random.bytes(lengthBits / 8);
  });
}

export function sign(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; message: Buffer; algorithm: SigningAlgorithm; messageType: MessageType },
): Promise<{ keyId: string; signature: Buffer }> {
  return runOperation(ctx, caller, "sign", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "sign", key);
    requireSignKey(key, input.algorithm);
    requireUsable(key);
    checkMessage(input.message, "message");
    const signature = signMessage(material(ctx, version), input.algorithm, input.messageType, input.message);
    return { keyId: key.id, signature };
  });
}

export function verify(
  ctx: EngineContext,
  caller: TCaller,
  input: {
    ref: KeyRef;
    message: Buffer;
    signature: Buffer;
    algorithm: SigningAlgorithm;
    messageType: MessageType;
  },
): Promise<{ keyId: string; valid: boolean }> {
  return runOperation(ctx, caller, "verify", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "verify", key);
    requireSignKey(key, input.algorithm);
    requireUsable(key);
    checkMessage(input.message, "message");
    if (!Buffer.isBuffer(input.signature) || input.signature.length === 0) {
      throw new KmsError("KMS.0308", "signature is missing");
    }
    const valid = verifyMessage(
      publicKeyOf(version),
      input.algorithm,
      input.messageType,
      input.message,
      input.signature,
    );
    return { keyId: key.id, valid };
  });
}

export function getPublicKey(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
): Promise<{ keyId: string; publicKey: Buffer }> {
  return runOperation(ctx, caller, "get-publickey", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, ref, scope);
    await authorize(ctx.store, caller, "get-publickey", key);
    const family = keyFamily(key.spec);
    if (family === "symmetric" || family === "hmac") throw new KmsError("KMS.0331");
    requireUsable(key);
    return { keyId: key.id, publicKey: publicKeyOf(version) };
  });
}

export function generateMac(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; message: Buffer; algorithm: MacAlgorithm },
): Promise<{ keyId: string; mac: Buffer }> {
  return runOperation(ctx, caller, "generate-mac", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "generate-mac", key);
    requireMacKey(key);
    requireUsable(key);
    checkMessage(input.message, "message");
    return {
      keyId: key.id,
      mac: computeMac(key.spec, material(ctx, version), input.algorithm, input.message),
    };
  });
}

export function verifyMac(
  ctx: EngineContext,
  caller: TCaller,
  input: { ref: KeyRef; message: Buffer; mac: Buffer; algorithm: MacAlgorithm },
): Promise<{ keyId: string; valid: boolean }> {
  return runOperation(ctx, caller, "verify-mac", async (scope) => {
    const { key, version } = await resolveKeyWithVersion(ctx, caller, input.ref, scope);
    await authorize(ctx.store, caller, "verify-mac", key);
    requireMacKey(key);
    requireUsable(key);
    checkMessage(input.message, "message");
    if (!Buffer.isBuffer(input.mac)) throw new KmsError("KMS.0308", "mac is missing");
    const valid = checkMac(key.spec, material(ctx, version), input.algorithm, input.message, input.mac);
    return { keyId: key.id, valid };
  });
}
