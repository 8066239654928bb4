import { generateKeyPair, getCiphers } from "node:crypto";
import { promisify } from "node:util";
import type { TKeySpec } from "@kms/domain";
import { KmsError } from "../errors.js";
import type { Random } from "../ports.js";

const generateKeyPairAsync = promisify(generateKeyPair);

/** SM4 needs an OpenSSL with sm4-gcm; Node 20's bundled OpenSSL has SM4 but not its GCM mode. */
export const sm4Available = (): boolean => getCiphers().includes("sm4-gcm");

export interface Material {
  /** Symmetric or HMAC key bytes, or the PKCS8 DER private key. */
  secret: Buffer;
  /** SPKI DER, asymmetric keys only. */
  publicKey: Buffer | null;
}

/** Generates fresh material; key pairs asynchronously so RSA-4096 does not block the event loop. */
export async function generateMaterial(spec: TKeySpec, random: Random): Promise<Material> {
  switch (spec) {
    case "AES_256":
      return { secret: random.bytes(32), publicKey: null };
    case "SM4":
      if (!sm4Available()) throw new KmsError("KMS.0308", "SM4 is not available in this build");
      return { secret: random.bytes(16), publicKey: null };
    case "HMAC_256":
      return { secret: random.bytes(32), publicKey: null };
    case "HMAC_384":
      return { secret: random.bytes(48), publicKey: null };
    case "HMAC_512":
      return { secret: random.bytes(64), publicKey: null };
    case "RSA_2048":
    case "RSA_3072":
    case "RSA_4096": {
      const modulusLength = Number(spec.slice(4));
      const pair = await generateKeyPairAsync("rsa", {
        modulusLength,
        publicKeyEncoding: { type: "spki", format: "der" },
        privateKeyEncoding: { type: "pkcs8", format: "der" },
      });
      return { secret: pair.privateKey, publicKey: pair.publicKey };
    }
    case "EC_P256":
    case "EC_P384": {
      const namedCurve = spec === "EC_P256" ? "P-256" : "P-384";
      const pair = await generateKeyPairAsync("ec", {
        namedCurve,
        publicKeyEncoding: { type: "spki", format: "der" },
        privateKeyEncoding: { type: "pkcs8", format: "der" },
      });
      return { secret: pair.privateKey, publicKey: pair.publicKey };
    }
  }
}
