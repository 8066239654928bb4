import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SigningAlgorithm } from "../api.js";
import { errorCode } from "../testing/index.js";
import { signMessage, verifyMessage } from "./sign.js";

const rsa = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "der" },
});
const ec = generateKeyPairSync("ec", {
  namedCurve: "P-256",
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "der" },
});
const publicKey = createPublicKey({ key: rsa.publicKey, format: "der", type: "spki" });
const message = Buffer.from("the message to sign");

const cases: Array<{ algorithm: SigningAlgorithm; hash: string; padding: number; saltLength?: number }> = [
  { algorithm: "RSASSA_PKCS1_V1_5_SHA_256", hash: "sha256", padding: constants.RSA_PKCS1_PADDING },
  { algorithm: "RSASSA_PKCS1_V1_5_SHA_512", hash: "sha512", padding: constants.RSA_PKCS1_PADDING },
  {
    algorithm: "RSASSA_PSS_SHA_256",
    hash: "sha256",
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  },
  {
    algorithm: "RSASSA_PSS_SHA_384",
    hash: "sha384",
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 48,
  },
];

describe("DIGEST signing interoperates with signing the raw message", () => {
  for (const c of cases) {
    it(`${c.algorithm}: a DIGEST signature verifies as RAW with crypto.verify, and back`, () => {
      const digest = createHash(c.hash).update(message).digest();
      const ours = signMessage(rsa.privateKey, c.algorithm, "DIGEST", digest);
      const options = { key: publicKey, padding: c.padding, saltLength: c.saltLength };
      expect(verify(c.hash, message, options, ours)).toBe(true);

      const privateKey = createPrivateKey({ key: rsa.privateKey, format: "der", type: "pkcs8" });
      const theirs = sign(c.hash, message, { ...options, key: privateKey });
      expect(verifyMessage(rsa.publicKey, c.algorithm, "DIGEST", digest, theirs)).toBe(true);
      expect(verifyMessage(rsa.publicKey, c.algorithm, "RAW", message, ours)).toBe(true);

      const tampered = Buffer.from(ours);
      tampered[10] = (tampered[10] ?? 0) ^ 1;
      expect(verifyMessage(rsa.publicKey, c.algorithm, "DIGEST", digest, tampered)).toBe(false);
      const otherDigest = createHash(c.hash).update("another message").digest();
      expect(verifyMessage(rsa.publicKey, c.algorithm, "DIGEST", otherDigest, ours)).toBe(false);
    });
  }

  it("refuses a DIGEST whose length is not the hash length", async () => {
    const call = async () => signMessage(rsa.privateKey, "RSASSA_PSS_SHA_256", "DIGEST", Buffer.alloc(20));
    expect(await errorCode(call())).toBe("KMS.0308");
  });

  it("signs and verifies ECDSA over the raw message, and refuses ECDSA DIGEST", async () => {
    const sig = signMessage(ec.privateKey, "ECDSA_SHA_256", "RAW", message);
    expect(verifyMessage(ec.publicKey, "ECDSA_SHA_256", "RAW", message, sig)).toBe(true);
    expect(verifyMessage(ec.publicKey, "ECDSA_SHA_256", "RAW", Buffer.from("other"), sig)).toBe(false);
    const digest = createHash("sha256").update(message).digest();
    const call = async () => signMessage(ec.privateKey, "ECDSA_SHA_256", "DIGEST", digest);
    expect(await errorCode(call())).toBe("KMS.0308");
  });

  it("treats a garbage signature as invalid, not as an error", () => {
    expect(verifyMessage(rsa.publicKey, "RSASSA_PSS_SHA_256", "RAW", message, Buffer.alloc(256, 7))).toBe(
      false,
    );
    expect(verifyMessage(ec.publicKey, "ECDSA_SHA_256", "RAW", message, Buffer.from("junk"))).toBe(false);
  });
});
