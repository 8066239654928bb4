import {
  ALIAS_PATTERN,
  DEFAULT_ALIAS_SUFFIX,
  ZGrantOperation,
  ZKeySpec,
  ZKeyUsage,
  ZTagKey,
  ZTagValue,
} from "@kms/domain";
import { z } from "zod";
import {
  aad,
  base64Bytes,
  bitLength,
  hexBytes,
  ignoredSdkFields,
  intInRange,
  keyRef,
  optionalInt,
  sequence,
  utf8Bytes,
} from "./common.js";

/**
 * Request bodies of Huawei KMS API v1.0, as the official SDK models name them. Strict: an unknown
 * field is KMS.0308. Optional fields that the SDKs send but this KMS does not use are accepted.
 */

const alias = z
  .string()
  .regex(ALIAS_PATTERN)
  .refine((a) => !a.endsWith(DEFAULT_ALIAS_SUFFIX));
const description = z.string().max(255);

export const OperateKeyBody = z.strictObject({ key_id: keyRef, ...ignoredSdkFields });

export const CreateKeyBody = z.strictObject({
  key_alias: alias,
  key_spec: ZKeySpec.default("AES_256"),
  key_usage: ZKeyUsage.optional(),
  key_description: description.optional(),
  origin: z.enum(["kms", "external"]).optional(),
  keystore_id: z.string().max(64).optional(),
  vm_id: z.string().max(64).optional(),
  ...ignoredSdkFields,
});

export const LIST_KEY_SPECS = [...ZKeySpec.options, "ALL"] as const;

export const ListKeysBody = z.strictObject({
  limit: optionalInt(1, 1000),
  marker: optionalInt(0, Number.MAX_SAFE_INTEGER),
  key_state: z
    .string()
    .regex(/^[1-5]$/)
    .optional(),
  key_spec: z.enum(LIST_KEY_SPECS).default("AES_256"),
  ...ignoredSdkFields,
});

export const ScheduleDeletionBody = z.strictObject({
  key_id: keyRef,
  pending_days: intInRange(7, 1096),
  ...ignoredSdkFields,
});

export const UpdateAliasBody = z.strictObject({ key_id: keyRef, key_alias: alias, ...ignoredSdkFields });
export const UpdateDescriptionBody = z.strictObject({
  key_id: keyRef,
  key_description: description,
  ...ignoredSdkFields,
});

const encryptionAlgorithm = z.enum(["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"]).optional();

export const EncryptDataBody = z.strictObject({
  key_id: keyRef,
  plain_text: utf8Bytes(1, 4096),
  encryption_algorithm: encryptionAlgorithm,
  additional_authenticated_data: aad,
  ...ignoredSdkFields,
});

export const DecryptDataBody = z.strictObject({
  cipher_text: base64Bytes(1, 8192, "KMS.2301"),
  key_id: keyRef.optional(),
  encryption_algorithm: encryptionAlgorithm,
  additional_authenticated_data: aad,
  ...ignoredSdkFields,
});

export const CreateDataKeyBody = z.strictObject({
  key_id: keyRef,
  key_spec: z
    .string()
    .refine((s) => s === "AES_256" || s === "AES_128", { params: { kmsCode: "KMS.1902" } })
    .optional(),
  datakey_length: bitLength("KMS.1901", "KMS.1903").optional(),
  additional_authenticated_data: aad,
  ...ignoredSdkFields,
});

export const EncryptDataKeyBody = z.strictObject({
  key_id: keyRef,
  plain_text: hexBytes(1, 2048, "KMS.2101"),
  datakey_plain_length: intInRange(1, 1024, "KMS.2102"),
  additional_authenticated_data: aad,
  ...ignoredSdkFields,
});

export const DecryptDataKeyBody = z.strictObject({
  key_id: keyRef,
  cipher_text: hexBytes(1, 4096, "KMS.2201"),
  datakey_cipher_length: intInRange(1, 1024, "KMS.2202"),
  additional_authenticated_data: aad,
  ...ignoredSdkFields,
});

export const GenRandomBody = z.strictObject({
  random_data_length: bitLength("KMS.1801", "KMS.1802"),
  ...ignoredSdkFields,
});

const signingAlgorithm = z.enum([
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "ECDSA_SHA_256",
  "ECDSA_SHA_384",
  "ECDSA_SHA_512",
]);

export const SignBody = z.strictObject({
  key_id: keyRef,
  message: base64Bytes(1, 4096),
  signing_algorithm: signingAlgorithm,
  message_type: z.enum(["DIGEST", "RAW"]).default("DIGEST"),
  ...ignoredSdkFields,
});

export const VerifyBody = SignBody.extend({ signature: base64Bytes(1, 1024) });

const macAlgorithm = z.enum(["HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"]);

export const GenerateMacBody = z.strictObject({
  key_id: keyRef,
  mac_algorithm: macAlgorithm,
  message: base64Bytes(1, 4096),
  ...ignoredSdkFields,
});

export const VerifyMacBody = GenerateMacBody.extend({ mac: base64Bytes(1, 64) });

export const EnableRotationBody = z.strictObject({
  key_id: keyRef,
  rotation_interval: intInRange(30, 365).optional(),
  ...ignoredSdkFields,
});

export const UpdateRotationIntervalBody = z.strictObject({
  key_id: keyRef,
  rotation_interval: intInRange(30, 365),
  ...ignoredSdkFields,
});

const tag = z.strictObject({ key: ZTagKey, value: ZTagValue });

export const CreateTagBody = z.strictObject({ tag, ...ignoredSdkFields });

export const BatchTagsBody = z.strictObject({
  tags: z
    .array(z.strictObject({ key: ZTagKey, value: ZTagValue.optional() }))
    .max(50)
    .refine((tags) => tags.length > 0, { params: { kmsCode: "KMS.0401" } }),
  action: z.enum(["create", "delete"]),
  ...ignoredSdkFields,
});

export const ListByTagsBody = z.strictObject({
  action: z.enum(["filter", "count"]),
  limit: intInRange(1, 1000).default(10),
  offset: intInRange(0, Number.MAX_SAFE_INTEGER).default(0),
  tags: z
    .array(z.strictObject({ key: ZTagKey, values: z.array(ZTagValue).max(20) }))
    .max(20)
    .default([]),
  matches: z
    .array(z.strictObject({ key: z.literal("resource_name"), value: z.string().max(255) }))
    .max(1)
    .optional(),
  ...ignoredSdkFields,
});

const principalId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);

export const CreateGrantBody = z.strictObject({
  key_id: keyRef,
  grantee_principal: principalId,
  operations: z
    .array(ZGrantOperation)
    .min(1)
    .max(ZGrantOperation.options.length)
    .refine((ops) => ops.some((o) => o !== "create-grant"), { params: { kmsCode: "KMS.2401" } }),
  name: z.string().regex(ALIAS_PATTERN).optional(),
  retiring_principal: principalId.optional(),
  grantee_principal_type: z.enum(["user", "domain"]).optional(),
  ...ignoredSdkFields,
});

export const ListGrantsBody = z.strictObject({
  key_id: keyRef,
  limit: optionalInt(1, 100),
  marker: optionalInt(0, Number.MAX_SAFE_INTEGER),
  ...ignoredSdkFields,
});

export const ListRetirableGrantsBody = z.strictObject({
  limit: optionalInt(1, 100),
  marker: optionalInt(0, Number.MAX_SAFE_INTEGER),
  ...ignoredSdkFields,
});

export const GrantRefBody = z.strictObject({
  key_id: keyRef,
  grant_id: z.string().regex(/^[A-Fa-f0-9]{64}$/),
  ...ignoredSdkFields,
});

/** Bodies of GET and DELETE requests: empty, or an empty object. */
export const EmptyBody = z.strictObject({});
export { sequence };
