import {
  CreateDataKeyBody,
  DecryptDataBody,
  DecryptDataKeyBody,
  EncryptDataBody,
  EncryptDataKeyBody,
  GenerateMacBody,
  GenRandomBody,
  OperateKeyBody,
  SignBody,
  VerifyBody,
  VerifyMacBody,
} from "../wire/requests.js";
import { spkiPem } from "../wire/responses.js";
import { route } from "./define.js";

const stringProps = (...names: string[]) => ({
  type: "object",
  properties: Object.fromEntries(names.map((n) => [n, { type: "string" }])),
});

const DATAKEY_BITS = { AES_128: 128, AES_256: 256 } as const;

export const cryptoRoutes = [
  route({
    method: "POST",
    path: "encrypt-data",
    operation: "encrypt-data",
    body: EncryptDataBody,
    response: stringProps("key_id", "cipher_text"),
    async handle({ engine, caller, body }) {
      // Huawei semantic: plain_text is the text itself, encrypted as its UTF-8 bytes.
      const r = await engine.encryptData(caller, {
        ref: body.key_id,
        plaintext: Buffer.from(body.plain_text, "utf8"),
        aad: body.additional_authenticated_data,
        algorithm: body.encryption_algorithm,
      });
      return { key_id: r.keyId, cipher_text: r.ciphertext.toString("base64") };
    },
  }),
  route({
    method: "POST",
    path: "decrypt-data",
    operation: "decrypt-data",
    body: DecryptDataBody,
    response: stringProps("key_id", "plain_text", "plain_text_base64"),
    async handle({ engine, caller, body }) {
      const r = await engine.decryptData(caller, {
        ciphertext: body.cipher_text,
        aad: body.additional_authenticated_data,
        ref: body.key_id,
        algorithm: body.encryption_algorithm,
      });
      return {
        key_id: r.keyId,
        plain_text: r.plaintext.toString("utf8"),
        plain_text_base64: r.plaintext.toString("base64"),
      };
    },
  }),
  route({
    method: "POST",
    path: "create-datakey",
    operation: "create-datakey",
    body: CreateDataKeyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.createDataKey(caller, {
        ref: body.key_id,
        lengthBits:
          body.datakey_length ?? DATAKEY_BITS[(body.key_spec ?? "AES_256") as keyof typeof DATAKEY_BITS],
        aad: body.additional_authenticated_data,
        withPlaintext: true,
      });
      return {
        key_id: r.keyId,
        plain_text: r.plaintext?.toString("hex") ?? "",
        cipher_text: r.ciphertext.toString("hex"),
      };
    },
  }),
  route({
    method: "POST",
    path: "create-datakey-without-plaintext",
    operation: "create-datakey-without-plaintext",
    body: CreateDataKeyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.createDataKey(caller, {
        ref: body.key_id,
        lengthBits:
          body.datakey_length ?? DATAKEY_BITS[(body.key_spec ?? "AES_256") as keyof typeof DATAKEY_BITS],
        aad: body.additional_authenticated_data,
        withPlaintext: false,
      });
      return { key_id: r.keyId, cipher_text: r.ciphertext.toString("hex") };
    },
  }),
  route({
    method: "POST",
    path: "encrypt-datakey",
    operation: "encrypt-datakey",
    body: EncryptDataKeyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.encryptDataKey(caller, {
        ref: body.key_id,
        plaintext: body.plain_text,
        dataKeyLength: body.datakey_plain_length,
        aad: body.additional_authenticated_data,
      });
      return {
        key_id: r.keyId,
        cipher_text: r.ciphertext.toString("hex"),
        datakey_length: String(r.dataKeyLength),
      };
    },
  }),
  route({
    method: "POST",
    path: "decrypt-datakey",
    operation: "decrypt-datakey",
    body: DecryptDataKeyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.decryptDataKey(caller, {
        ref: body.key_id,
        ciphertext: body.cipher_text,
        dataKeyLength: body.datakey_cipher_length,
        aad: body.additional_authenticated_data,
      });
      return {
        data_key: r.dataKey.toString("hex"),
        datakey_length: String(r.dataKey.length),
        datakey_dgst: r.digest.toString("hex"),
      };
    },
  }),
  route({
    method: "POST",
    path: "gen-random",
    operation: "gen-random",
    body: GenRandomBody,
    async handle({ engine, caller, body }) {
      const bytes = await engine.generateRandom(caller, body.random_data_length);
      return { random_data: bytes.toString("hex") };
    },
  }),
  route({
    method: "POST",
    path: "sign",
    operation: "sign",
    body: SignBody,
    async handle({ engine, caller, body }) {
      const r = await engine.sign(caller, {
        ref: body.key_id,
        message: body.message,
        algorithm: body.signing_algorithm,
        messageType: body.message_type,
      });
      return { key_id: r.keyId, signature: r.signature.toString("base64") };
    },
  }),
  route({
    method: "POST",
    path: "verify",
    operation: "verify",
    body: VerifyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.verify(caller, {
        ref: body.key_id,
        message: body.message,
        signature: body.signature,
        algorithm: body.signing_algorithm,
        messageType: body.message_type,
      });
      return { key_id: r.keyId, signature_valid: r.valid ? "true" : "false" };
    },
  }),
  route({
    method: "POST",
    path: "get-publickey",
    operation: "get-publickey",
    body: OperateKeyBody,
    async handle({ engine, caller, body }) {
      const r = await engine.getPublicKey(caller, body.key_id);
      return { key_id: r.keyId, public_key: spkiPem(r.publicKey) };
    },
  }),
  route({
    method: "POST",
    path: "generate-mac",
    operation: "generate-mac",
    body: GenerateMacBody,
    async handle({ engine, caller, body }) {
      const r = await engine.generateMac(caller, {
        ref: body.key_id,
        message: body.message,
        algorithm: body.mac_algorithm,
      });
      return { key_id: r.keyId, mac_algorithm: body.mac_algorithm, mac: r.mac.toString("base64") };
    },
  }),
  route({
    method: "POST",
    path: "verify-mac",
    operation: "verify-mac",
    body: VerifyMacBody,
    async handle({ engine, caller, body }) {
      const r = await engine.verifyMac(caller, {
        ref: body.key_id,
        message: body.message,
        mac: body.mac,
        algorithm: body.mac_algorithm,
      });
      return { key_id: r.keyId, mac_algorithm: body.mac_algorithm, mac_valid: r.valid };
    },
  }),
];
