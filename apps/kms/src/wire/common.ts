import { catalogEntryForAlias, type TErrorCode, ZKeyId } from "@kms/domain";
import { z } from "zod";

/**
 * Building blocks of the request schemas. Where a field has its own Huawei error code, the issue
 * carries it in `params.kmsCode`; otherwise the code follows from the field name (see validate.ts).
 */

const kms = (code: TErrorCode) => ({ params: { kmsCode: code } });

/** `sequence`: a request serial number of at most 36 characters (KMS.0206). */
export const sequence = z.string().max(36).optional();

/** A key ID, or a service default alias ("obs/default") that the engine resolves. */
export const keyRef = z
  .string()
  .refine((v) => ZKeyId.safeParse(v).success || catalogEntryForAlias(v) !== undefined, kms("KMS.0205"));

/**
 * An integer sent as a JSON number or a numeric string (Huawei bodies carry "7"; the official Node.js
 * client passes numbers through as given).
 */
export const intLike = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : /^\s*-?\d{1,15}\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: "custom", message: "must be an integer" });
    return z.NEVER;
  }
  return n;
});

export const intInRange = (min: number, max: number, code?: TErrorCode) =>
  intLike.refine((n) => n >= min && n <= max, code ? kms(code) : `must be between ${min} and ${max}`);

/** An optional integer where an empty string also means "not given" (a first page's marker). */
export const optionalInt = (min: number, max: number) =>
  z.preprocess((v) => (v === "" ? undefined : v), intInRange(min, max).optional());

/** A bit length: a multiple of 8 within [8, 8192], with Huawei's two codes for the two rules. */
export const bitLength = (rangeCode: TErrorCode, multipleCode: TErrorCode) =>
  intLike.refine((n) => n >= 8 && n <= 8192, kms(rangeCode)).refine((n) => n % 8 === 0, kms(multipleCode));

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** Strict base64 decoded to bytes, between `min` and `max` bytes. */
export const base64Bytes = (min: number, max: number, code?: TErrorCode) =>
  z
    .string()
    .max(Math.ceil(max / 3) * 4 + 4)
    .refine((s) => BASE64.test(s), code ? kms(code) : "must be base64")
    .transform((s) => Buffer.from(s, "base64"))
    .refine((b) => b.length >= min && b.length <= max, code ? kms(code) : `must be ${min}-${max} bytes`);

/** Hex decoded to bytes, between `min` and `max` bytes. */
export const hexBytes = (min: number, max: number, code?: TErrorCode) =>
  z
    .string()
    .max(max * 2)
    .refine((s) => HEX.test(s), code ? kms(code) : "must be hex")
    .transform((s) => Buffer.from(s, "hex"))
    .refine((b) => b.length >= min && b.length <= max, code ? kms(code) : `must be ${min}-${max} bytes`);

/** A UTF-8 string of `min`..`max` bytes. */
export const utf8Bytes = (min: number, max: number, code?: TErrorCode) =>
  z
    .string()
    .max(max)
    .refine(
      (s) => {
        const n = Buffer.byteLength(s, "utf8");
        return n >= min && n <= max;
      },
      code ? kms(code) : `must be ${min}-${max} bytes`,
    );

/** Additional authenticated data: a string of at most 128 UTF-8 bytes, used as its UTF-8 bytes. */
export const aad = utf8Bytes(0, 128)
  .transform((s) => Buffer.from(s, "utf8"))
  .optional();

/** Optional fields the official SDKs send that this KMS accepts and ignores. */
export const ignoredSdkFields = {
  enterprise_project_id: z.string().max(64).optional(),
  sequence,
};
