import { createHash, createPublicKey, createVerify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startHarness } from "../testing/harness.js";

let h: ApiHarness;
let keyId: string;
beforeAll(async () => {
  h = await startHarness();
  const res = await h.admin.call<{ key_info: { key_id: string } }>("create-key", { key_alias: "crypto" });
  keyId = res.body.key_info.key_id;
});
afterAll(() => h.close());

type Body = Record<string, string>;

function expectCode(res: { status: number; body: unknown }, status: number, code: string) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error_code: code } });
}

const flipBase64 = (b64: string, at: number): string => {
  const bytes = Buffer.from(b64, "base64");
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString("base64");
};

describe("encrypt-data / decrypt-data", () => {
  it("round-trips UTF-8 text; decrypt needs no key_id and answers plain_text and plain_text_base64", async () => {
    const text = "héllo, 世界";
    const enc = await h.admin.call<Body>("encrypt-data", { key_id: keyId, plain_text: text });
    expect(enc.status).toBe(200);
    expect(enc.body.key_id).toBe(keyId);
    expect(enc.body.cipher_text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const dec = await h.admin.call<Body>("decrypt-data", { cipher_text: enc.body.cipher_text });
    expect(dec.body).toEqual({
      key_id: keyId,
      plain_text: text,
      plain_text_base64: Buffer.from(text, "utf8").toString("base64"),
    });
  });

  it("binds additional authenticated data: the wrong AAD is refused", async () => {
    const enc = await h.admin.call<Body>("encrypt-data", {
      key_id: keyId,
      plain_text: "secret",
      additional_authenticated_data: "ctx-1",
    });
    const ok = await h.admin.call<Body>("decrypt-data", {
      cipher_text: enc.body.cipher_text,
      additional_authenticated_data: "ctx-1",
    });
    expect(ok.body.plain_text).toBe("secret");
    const wrong = await h.admin.call("decrypt-data", {
      cipher_text: enc.body.cipher_text,
      additional_authenticated_data: "ctx-2",
    });
    expect(wrong.status).toBe(400);
    const none = await h.admin.call("decrypt-data", { cipher_text: enc.body.cipher_text });
    expect(none.status).toBe(400);
  });

  it("refuses a tampered ciphertext with a 4xx", async () => {
    const enc = await h.admin.call<Body>("encrypt-data", { key_id: keyId, plain_text: "do not touch" });
    const bytes = Buffer.from(enc.body.cipher_text!, "base64").length;
    const tampered = await h.admin.call("decrypt-data", {
      cipher_text: flipBase64(enc.body.cipher_text!, bytes - 1),
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body?.error_code).toMatch(/^KMS\./);
    const garbage = await h.admin.call("decrypt-data", {
      cipher_text: Buffer.alloc(200, 7).toString("base64"),
    });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    expectCode(await h.admin.call("decrypt-data", { cipher_text: "not base64!" }), 400, "KMS.2301");
  });

  it("limits plain_text to 1..4096 UTF-8 bytes", async () => {
    const max = await h.admin.call("encrypt-data", { key_id: keyId, plain_text: "a".repeat(4096) });
    expect(max.status).toBe(200);
    expectCode(
      await h.admin.call("encrypt-data", { key_id: keyId, plain_text: "a".repeat(4097) }),
      400,
      "KMS.0308",
    );
    expectCode(
      await h.admin.call("encrypt-data", { key_id: keyId, plain_text: "é".repeat(2049) }),
      400,
      "KMS.0308",
    );
    expectCode(await h.admin.call("encrypt-data", { key_id: keyId, plain_text: "" }), 400, "KMS.0308");
  });

  it("decrypts a ciphertext made before rotate-on-demand", async () => {
    const before = await h.admin.call<Body>("encrypt-data", { key_id: keyId, plain_text: "old version" });
    const rotated = await h.admin.call("rotate-on-demand", { key_id: keyId });
    expect(rotated.status).toBe(200);
    const status = await h.admin.call<Record<string, unknown>>("get-key-rotation-status", { key_id: keyId });
    expect(status.body.number_of_rotations).toBe(1);
    const after = await h.admin.call<Body>("encrypt-data", { key_id: keyId, plain_text: "new version" });
    expect(after.body.cipher_text).not.toBe(before.body.cipher_text);
    const old = await h.admin.call<Body>("decrypt-data", { cipher_text: before.body.cipher_text });
    expect(old.body.plain_text).toBe("old version");
    const fresh = await h.admin.call<Body>("decrypt-data", { cipher_text: after.body.cipher_text });
    expect(fresh.body.plain_text).toBe("new version");
  });
});

describe("data keys", () => {
  it("create-datakey answers hex plain and cipher text that decrypt-datakey opens", async () => {
    const made = await h.admin.call<Body>("create-datakey", { key_id: keyId, datakey_length: "256" });
    expect(made.status).toBe(200);
    expect(made.body.plain_text).toMatch(/^[0-9a-f]{64}$/);
    expect(made.body.cipher_text).toMatch(/^[0-9a-f]+$/);
    const opened = await h.admin.call<Body>("decrypt-datakey", {
      key_id: keyId,
      cipher_text: made.body.cipher_text,
      datakey_cipher_length: "32",
    });
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({
      data_key: made.body.plain_text,
      datakey_length: "32",
      datakey_dgst: createHash("sha256").update(Buffer.from(made.body.plain_text!, "hex")).digest("hex"),
    });
  });

  it("create-datakey-without-plaintext answers only the cipher text", async () => {
    const made = await h.admin.call<Body>("create-datakey-without-plaintext", {
      key_id: keyId,
      key_spec: "AES_128",
    });
    expect(Object.keys(made.body).sort()).toEqual(["cipher_text", "key_id"]);
    const opened = await h.admin.call<Body>("decrypt-datakey", {
      key_id: keyId,
      cipher_text: made.body.cipher_text,
      datakey_cipher_length: 16,
    });
    expect(opened.body.datakey_length).toBe("16");
  });

  it("encrypt-datakey takes DEK ‖ SHA-256(DEK) in hex and round-trips", async () => {
    const dek = Buffer.alloc(32, 0xab);
    const plain = Buffer.concat([dek, createHash("sha256").update(dek).digest()]).toString("hex");
    const enc = await h.admin.call<Body>("encrypt-datakey", {
      key_id: keyId,
      plain_text: plain,
      datakey_plain_length: "32",
    });
    expect(enc.status).toBe(200);
    expect(enc.body.datakey_length).toBe("32");
    const dec = await h.admin.call<Body>("decrypt-datakey", {
      key_id: keyId,
      cipher_text: enc.body.cipher_text,
      datakey_cipher_length: "32",
    });
    expect(dec.body.data_key).toBe(dek.toString("hex"));
  });

  it("refuses a datakey ciphertext that was tampered with or bound to other AAD", async () => {
    const made = await h.admin.call<Body>("create-datakey", {
      key_id: keyId,
      additional_authenticated_data: "bucket-a",
    });
    const ct = made.body.cipher_text!;
    const wrongAad = await h.admin.call("decrypt-datakey", {
      key_id: keyId,
      cipher_text: ct,
      datakey_cipher_length: "32",
      additional_authenticated_data: "bucket-b",
    });
    expect(wrongAad.status).toBe(400);
    const flipped = ct.slice(0, -2) + (ct.endsWith("00") ? "01" : "00");
    const tampered = await h.admin.call("decrypt-datakey", {
      key_id: keyId,
      cipher_text: flipped,
      datakey_cipher_length: "32",
      additional_authenticated_data: "bucket-a",
    });
    expect(tampered.status).toBe(400);
  });

  it("checks datakey_length and key_spec with Huawei's codes", async () => {
    expectCode(
      await h.admin.call("create-datakey", { key_id: keyId, datakey_length: "9000" }),
      400,
      "KMS.1901",
    );
    expectCode(
      await h.admin.call("create-datakey", { key_id: keyId, datakey_length: "12" }),
      400,
      "KMS.1903",
    );
    expectCode(await h.admin.call("create-datakey", { key_id: keyId, key_spec: "SM4" }), 400, "KMS.1902");
    expectCode(
      await h.admin.call("decrypt-datakey", {
        key_id: keyId,
        cipher_text: "zz",
        datakey_cipher_length: "32",
      }),
      400,
      "KMS.2201",
    );
  });
});

describe("random, signatures and MACs", () => {
  it("gen-random answers hex of the requested bits", async () => {
    const res = await h.admin.call<Body>("gen-random", { random_data_length: "512" });
    expect(res.body.random_data).toMatch(/^[0-9a-f]{128}$/);
  });

  it("signs and verifies with an EC key; the public key is PEM SPKI and verifies locally", async () => {
    const created = await h.admin.call<{ key_info: { key_id: string } }>("create-key", {
      key_alias: "signer",
      key_spec: "EC_P256",
      key_usage: "SIGN_VERIFY",
    });
    const id = created.body.key_info.key_id;
    const message = Buffer.from("sign me").toString("base64");
    const signed = await h.admin.call<Body>("sign", {
      key_id: id,
      message,
      signing_algorithm: "ECDSA_SHA_256",
      message_type: "RAW",
    });
    expect(signed.status).toBe(200);
    const verify = await h.admin.call<Body>("verify", {
      key_id: id,
      message,
      signature: signed.body.signature,
      signing_algorithm: "ECDSA_SHA_256",
      message_type: "RAW",
    });
    expect(verify.body).toEqual({ key_id: id, signature_valid: "true" });
    const bad = await h.admin.call<Body>("verify", {
      key_id: id,
      message: Buffer.from("other").toString("base64"),
      signature: signed.body.signature,
      signing_algorithm: "ECDSA_SHA_256",
      message_type: "RAW",
    });
    expect(bad.body.signature_valid).toBe("false");
    const pub = await h.admin.call<Body>("get-publickey", { key_id: id });
    expect(pub.body.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const local = createVerify("sha256")
      .update("sign me")
      .verify(createPublicKey(pub.body.public_key!), Buffer.from(signed.body.signature!, "base64"));
    expect(local).toBe(true);
    expectCode(
      await h.admin.call("sign", { key_id: keyId, message, signing_algorithm: "ECDSA_SHA_256" }),
      400,
      "KMS.1115",
    );
  });

  it("generates and verifies MACs with an HMAC key; mac_valid is a boolean", async () => {
    const created = await h.admin.call<{ key_info: { key_id: string } }>("create-key", {
      key_alias: "mac",
      key_spec: "HMAC_256",
    });
    const id = created.body.key_info.key_id;
    const message = Buffer.from("mac me").toString("base64");
    const mac = await h.admin.call<Body>("generate-mac", {
      key_id: id,
      mac_algorithm: "HMAC_SHA_256",
      message,
    });
    expect(mac.body).toMatchObject({ key_id: id, mac_algorithm: "HMAC_SHA_256" });
    const ok = await h.admin.call("verify-mac", {
      key_id: id,
      mac_algorithm: "HMAC_SHA_256",
      message,
      mac: mac.body.mac,
    });
    expect(ok.body).toEqual({ key_id: id, mac_algorithm: "HMAC_SHA_256", mac_valid: true });
    const bad = await h.admin.call("verify-mac", {
      key_id: id,
      mac_algorithm: "HMAC_SHA_256",
      message,
      mac: flipBase64(mac.body.mac!, 0),
    });
    expect(bad.body?.mac_valid).toBe(false);
  });
});
