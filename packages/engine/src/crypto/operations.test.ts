import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestEngine, errorCode } from "../testing/index.js";
import { HEADER_LENGTH } from "./ciphertext.js";

const text = (s: string) => Buffer.from(s, "utf8");

describe("encrypt-data / decrypt-data", () => {
  it("round-trips with AAD, and the ciphertext carries key ID and version", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const aad = text("context");
    const { ciphertext, keyId } = await kms.encryptData(admin, {
      ref: key.id,
      plaintext: text("secret"),
      aad,
    });
    expect(keyId).toBe(key.id);
    expect(ciphertext[0]).toBe(1);
    expect(ciphertext.subarray(1, 17).toString("hex")).toBe(key.id.replaceAll("-", ""));
    expect(ciphertext.readUInt32BE(17)).toBe(1);
    expect(ciphertext.length).toBe(HEADER_LENGTH + 12 + 16 + 6);
    expect((await kms.decryptData(admin, { ciphertext, aad })).plaintext.toString()).toBe("secret");
  });

  it("refuses a wrong AAD, a tampered byte and garbage with KMS.2301", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const { ciphertext } = await kms.encryptData(admin, {
      ref: key.id,
      plaintext: text("secret"),
      aad: text("a"),
    });
    expect(await errorCode(kms.decryptData(admin, { ciphertext, aad: text("b") }))).toBe("KMS.2301");
    expect(await errorCode(kms.decryptData(admin, { ciphertext }))).toBe("KMS.2301");
    for (const i of [0, 20, 25, ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[i] = (tampered[i] ?? 0) ^ 1;
      expect(await errorCode(kms.decryptData(admin, { ciphertext: tampered, aad: text("a") }))).toMatch(
        /KMS\.(2301|0207)/,
      );
    }
    expect(await errorCode(kms.decryptData(admin, { ciphertext: randomBytes(10) }))).toBe("KMS.2301");
    const otherKey = await kms.createKey(admin, { alias: "other" });
    expect(await errorCode(kms.decryptData(admin, { ciphertext, aad: text("a"), ref: otherKey.id }))).toBe(
      "KMS.2301",
    );
  });

  it("checks plaintext and AAD sizes", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: Buffer.alloc(0) }))).toBe(
      "KMS.0308",
    );
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: Buffer.alloc(4097) }))).toBe(
      "KMS.0308",
    );
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: Buffer.alloc(4096) }))).toBe(
      "ok",
    );
    const aad = Buffer.alloc(129);
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: text("x"), aad }))).toBe(
      "KMS.0308",
    );
  });

  it("refuses a disabled key, a key pending deletion and a pending-import key", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const { ciphertext } = await kms.encryptData(admin, { ref: key.id, plaintext: text("x") });
    await kms.disableKey(admin, key.id);
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: text("x") }))).toBe("KMS.0209");
    expect(await errorCode(kms.decryptData(admin, { ciphertext }))).toBe("KMS.0209");
    await kms.scheduleKeyDeletion(admin, key.id, 7);
    expect(await errorCode(kms.decryptData(admin, { ciphertext }))).toBe("KMS.0210");
    const ext = await kms.createKey(admin, { alias: "ext", origin: "external" });
    expect(await errorCode(kms.encryptData(admin, { ref: ext.id, plaintext: text("x") }))).toBe("KMS.0310");
  });

  it("decrypts a ciphertext made before a rotation after it, and encrypts with the new version", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const before = await kms.encryptData(admin, { ref: key.id, plaintext: text("old") });
    const rotated = await kms.rotateKey(admin, key.id);
    expect(rotated.currentVersion).toBe(2);
    const after = await kms.encryptData(admin, { ref: key.id, plaintext: text("new") });
    expect(after.ciphertext.readUInt32BE(17)).toBe(2);
    expect((await kms.decryptData(admin, { ciphertext: before.ciphertext })).plaintext.toString()).toBe(
      "old",
    );
    expect((await kms.decryptData(admin, { ciphertext: after.ciphertext })).plaintext.toString()).toBe("new");
  });

  it("encrypts with RSA-OAEP-SHA256 and needs the key to decrypt", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "rsa", spec: "RSA_2048", usage: "ENCRYPT_DECRYPT" });
    const { ciphertext } = await kms.encryptData(admin, {
      ref: key.id,
      plaintext: text("hello"),
      algorithm: "RSAES_OAEP_SHA_256",
    });
    expect(ciphertext.length).toBe(256);
    const out = await kms.decryptData(admin, { ciphertext, ref: key.id, algorithm: "RSAES_OAEP_SHA_256" });
    expect(out.plaintext.toString()).toBe("hello");
    expect(await errorCode(kms.decryptData(admin, { ciphertext, algorithm: "RSAES_OAEP_SHA_256" }))).toBe(
      "KMS.0204",
    );
    const plaintext = Buffer.alloc(191);
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext }))).toBe("KMS.2108");
    expect(
      await errorCode(
        kms.encryptData(admin, { ref: key.id, plaintext: text("x"), algorithm: "SYMMETRIC_DEFAULT" }),
      ),
    ).toBe("KMS.2106");
  });

  it("refuses encryption with the wrong kind of key", async () => {
    const { kms, admin } = await createTestEngine();
    const aes = await kms.createKey(admin, { alias: "aes" });
    const ec = await kms.createKey(admin, { alias: "ec", spec: "EC_P256" });
    const rsaSign = await kms.createKey(admin, { alias: "rsa", spec: "RSA_2048" });
    const hmac = await kms.createKey(admin, { alias: "hmac", spec: "HMAC_256" });
    const p = text("x");
    expect(await errorCode(kms.encryptData(admin, { ref: ec.id, plaintext: p }))).toBe("KMS.1114");
    expect(await errorCode(kms.encryptData(admin, { ref: rsaSign.id, plaintext: p }))).toBe("KMS.0335");
    expect(await errorCode(kms.encryptData(admin, { ref: hmac.id, plaintext: p }))).toBe("KMS.0331");
    expect(
      await errorCode(kms.encryptData(admin, { ref: aes.id, plaintext: p, algorithm: "RSAES_OAEP_SHA_256" })),
    ).toBe("KMS.2105");
  });
});

describe("data keys and random", () => {
  it("creates a data key whose ciphertext decrypt-datakey opens", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const aad = text("aad");
    const dk = await kms.createDataKey(admin, { ref: key.id, lengthBits: 512, aad, withPlaintext: true });
    expect(dk.plaintext?.length).toBe(64);
    const out = await kms.decryptDataKey(admin, {
      ref: key.id,
      ciphertext: dk.ciphertext,
      dataKeyLength: 64,
      aad,
    });
    expect(out.dataKey).toEqual(dk.plaintext);
    expect(out.digest).toEqual(createHash("sha256").update(dk.plaintext!).digest());
    const without = await kms.createDataKey(admin, { ref: key.id, lengthBits: 256, withPlaintext: false });
    expect(without.plaintext).toBeNull();
    expect(
      await errorCode(
        kms.decryptDataKey(admin, { ref: key.id, ciphertext: dk.ciphertext, dataKeyLength: 64 }),
      ),
    ).toBe("KMS.2203");
    expect(
      await errorCode(
        kms.decryptDataKey(admin, { ref: key.id, ciphertext: dk.ciphertext, dataKeyLength: 32, aad }),
      ),
    ).toBe("KMS.2204");
    expect(
      await errorCode(
        kms.decryptDataKey(admin, { ref: key.id, ciphertext: dk.ciphertext, dataKeyLength: 0 }),
      ),
    ).toBe("KMS.2202");
    expect(
      await errorCode(
        kms.decryptDataKey(admin, { ref: key.id, ciphertext: randomBytes(9), dataKeyLength: 64 }),
      ),
    ).toBe("KMS.2201");
  });

  it("checks data key lengths", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const make = (lengthBits: number) =>
      kms.createDataKey(admin, { ref: key.id, lengthBits, withPlaintext: true });
    expect(await errorCode(make(0))).toBe("KMS.1901");
    expect(await errorCode(make(8200))).toBe("KMS.1901");
    expect(await errorCode(make(12))).toBe("KMS.1903");
    expect(await errorCode(make(8))).toBe("ok");
    expect(await errorCode(make(8192))).toBe("ok");
  });

  it("encrypts a data key given as DEK ‖ SHA-256(DEK) and decrypts it back", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const dek = randomBytes(64);
    const plaintext = Buffer.concat([dek, createHash("sha256").update(dek).digest()]);
    const enc = await kms.encryptDataKey(admin, { ref: key.id, plaintext, dataKeyLength: 64 });
    expect(enc.dataKeyLength).toBe(64);
    const dec = await kms.decryptDataKey(admin, {
      ref: key.id,
      ciphertext: enc.ciphertext,
      dataKeyLength: 64,
    });
    expect(dec.dataKey).toEqual(dek);
    const call = (p: Buffer, n: number) =>
      kms.encryptDataKey(admin, { ref: key.id, plaintext: p, dataKeyLength: n });
    expect(await errorCode(call(plaintext, 0))).toBe("KMS.2102");
    expect(await errorCode(call(plaintext, 1025))).toBe("KMS.2102");
    expect(await errorCode(call(plaintext, 63))).toBe("KMS.2104");
    const wrongDigest = Buffer.from(plaintext);
    wrongDigest[70] = (wrongDigest[70] ?? 0) ^ 1;
    expect(await errorCode(call(wrongDigest, 64))).toBe("KMS.2103");
  });

  it("generates random bytes in whole bytes of 8–8192 bits", async () => {
    const { kms, admin } = await createTestEngine();
    expect((await kms.generateRandom(admin, 512)).length).toBe(64);
    expect(await errorCode(kms.generateRandom(admin, 0))).toBe("KMS.1801");
    expect(await errorCode(kms.generateRandom(admin, 8200))).toBe("KMS.1801");
    expect(await errorCode(kms.generateRandom(admin, 12))).toBe("KMS.1802");
  });
});

describe("sign / verify / MAC", () => {
  it("signs and verifies with RSA (PSS and PKCS#1, RAW and DIGEST) and exposes the public key", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "rsa", spec: "RSA_2048" });
    const message = text("sign me");
    const digest = createHash("sha256").update(message).digest();
    for (const algorithm of ["RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"] as const) {
      const raw = await kms.sign(admin, { ref: key.id, message, algorithm, messageType: "RAW" });
      const viaDigest = await kms.verify(admin, {
        ref: key.id,
        message: digest,
        signature: raw.signature,
        algorithm,
        messageType: "DIGEST",
      });
      expect(viaDigest.valid).toBe(true);
      const bad = await kms.verify(admin, {
        ref: key.id,
        message: text("other"),
        signature: raw.signature,
        algorithm,
        messageType: "RAW",
      });
      expect(bad.valid).toBe(false);
    }
    const { publicKey } = await kms.getPublicKey(admin, key.id);
    expect(publicKey.length).toBeGreaterThan(256);
  });

  it("signs with EC over RAW messages and refuses a DIGEST with KMS.0308", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "ec", spec: "EC_P384" });
    const message = text("sign me");
    const { signature } = await kms.sign(admin, {
      ref: key.id,
      message,
      algorithm: "ECDSA_SHA_384",
      messageType: "RAW",
    });
    const ok = await kms.verify(admin, {
      ref: key.id,
      message,
      signature,
      algorithm: "ECDSA_SHA_384",
      messageType: "RAW",
    });
    expect(ok.valid).toBe(true);
    const digest = createHash("sha384").update(message).digest();
    expect(
      await errorCode(
        kms.sign(admin, { ref: key.id, message: digest, algorithm: "ECDSA_SHA_384", messageType: "DIGEST" }),
      ),
    ).toBe("KMS.0308");
    expect(
      await errorCode(
        kms.sign(admin, { ref: key.id, message, algorithm: "RSASSA_PSS_SHA_256", messageType: "RAW" }),
      ),
    ).toBe("KMS.0308");
  });

  it("refuses signing with the wrong kind of key", async () => {
    const { kms, admin } = await createTestEngine();
    const aes = await kms.createKey(admin, { alias: "aes" });
    const rsaEnc = await kms.createKey(admin, { alias: "rsa", spec: "RSA_2048", usage: "ENCRYPT_DECRYPT" });
    const hmac = await kms.createKey(admin, { alias: "hmac", spec: "HMAC_256" });
    const input = {
      message: text("m"),
      algorithm: "RSASSA_PSS_SHA_256" as const,
      messageType: "RAW" as const,
    };
    expect(await errorCode(kms.sign(admin, { ...input, ref: aes.id }))).toBe("KMS.1115");
    expect(await errorCode(kms.sign(admin, { ...input, ref: rsaEnc.id }))).toBe("KMS.0334");
    expect(await errorCode(kms.sign(admin, { ...input, ref: hmac.id }))).toBe("KMS.0331");
    expect(await errorCode(kms.getPublicKey(admin, aes.id))).toBe("KMS.0331");
  });

  it("generates and verifies HMACs with the algorithm of the key size", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "mac", spec: "HMAC_384" });
    const aes = await kms.createKey(admin, { alias: "aes" });
    const ec = await kms.createKey(admin, { alias: "ec", spec: "EC_P256" });
    const message = text("mac me");
    const { mac } = await kms.generateMac(admin, { ref: key.id, message, algorithm: "HMAC_SHA_384" });
    expect(mac.length).toBe(48);
    const check = (m: Buffer, msg = message) =>
      kms.verifyMac(admin, { ref: key.id, message: msg, mac: m, algorithm: "HMAC_SHA_384" });
    expect((await check(mac)).valid).toBe(true);
    expect((await check(mac, text("other"))).valid).toBe(false);
    expect((await check(mac.subarray(1))).valid).toBe(false);
    expect(await errorCode(kms.generateMac(admin, { ref: key.id, message, algorithm: "HMAC_SHA_256" }))).toBe(
      "KMS.0308",
    );
    expect(await errorCode(kms.generateMac(admin, { ref: aes.id, message, algorithm: "HMAC_SHA_256" }))).toBe(
      "KMS.0331",
    );
    expect(await errorCode(kms.generateMac(admin, { ref: ec.id, message, algorithm: "HMAC_SHA_256" }))).toBe(
      "KMS.0325",
    );
    expect(await errorCode(kms.encryptData(admin, { ref: key.id, plaintext: message }))).toBe("KMS.0331");
  });
});
