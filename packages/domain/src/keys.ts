import { z } from "zod";

/** Lifecycle states. The Huawei API encodes them "1".."5"; that mapping lives in the API app. */
export const ZKeyState = z.enum([
  "pending_activation",
  "enabled",
  "disabled",
  "pending_deletion",
  "pending_import",
]);
export type TKeyState = z.infer<typeof ZKeyState>;

export const SYMMETRIC_SPECS = ["AES_256", "SM4"] as const;
export const RSA_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"] as const;
export const EC_SPECS = ["EC_P256", "EC_P384"] as const;
export const HMAC_SPECS = ["HMAC_256", "HMAC_384", "HMAC_512"] as const;

export const ZKeySpec = z.enum([...SYMMETRIC_SPECS, ...RSA_SPECS, ...EC_SPECS, ...HMAC_SPECS]);
export type TKeySpec = z.infer<typeof ZKeySpec>;

export const ZKeyUsage = z.enum(["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"]);
export type TKeyUsage = z.infer<typeof ZKeyUsage>;

export const ZKeyOrigin = z.enum(["kms", "external"]);
export type TKeyOrigin = z.infer<typeof ZKeyOrigin>;

export type TKeyFamily = "symmetric" | "rsa" | "ec" | "hmac";

/** The family of a spec decides which operations and usages it supports. */
export function keyFamily(spec: TKeySpec): TKeyFamily {
  if ((SYMMETRIC_SPECS as readonly string[]).includes(spec)) return "symmetric";
  if ((RSA_SPECS as readonly string[]).includes(spec)) return "rsa";
  if ((EC_SPECS as readonly string[]).includes(spec)) return "ec";
  return "hmac";
}

/** Usages a spec may be created with; the first one is the default. */
export function allowedUsages(spec: TKeySpec): readonly TKeyUsage[] {
  switch (keyFamily(spec)) {
    case "symmetric":
      return ["ENCRYPT_DECRYPT"];
    case "rsa":
      return ["SIGN_VERIFY", "ENCRYPT_DECRYPT"];
    case "ec":
      return ["SIGN_VERIFY"];
    case "hmac":
      return ["GENERATE_VERIFY_MAC"];
  }
}

/** Only symmetric encryption keys rotate (asymmetric and HMAC outputs carry no version to pick an old one). */
export const supportsRotation = (spec: TKeySpec): boolean => keyFamily(spec) === "symmetric";

/** Aliases: 1–255 of [a-zA-Z0-9:/_-]. */
export const ALIAS_PATTERN = /^[a-zA-Z0-9:/_-]{1,255}$/;
export const ZKeyAlias = z.string().regex(ALIAS_PATTERN);
export const ZKeyDescription = z.string().max(255);
export const ZKeyId = z.string().regex(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/);

export const PENDING_DAYS_MIN = 7;
export const PENDING_DAYS_MAX = 1096;
export const ROTATION_INTERVAL_MIN = 30;
export const ROTATION_INTERVAL_MAX = 365;
export const ROTATION_INTERVAL_DEFAULT = 365;
export const MAX_TAGS_PER_KEY = 20;
export const MAX_CUSTOM_KEYS_PER_PROJECT = 100;

/** Tag keys ≤ 36 chars, values ≤ 43, neither with ASCII 0–31 or * < > \ = */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what tags forbid
const TAG_FORBIDDEN = /[\u0000-\u001f*<>\\=]/;
export const ZTagKey = z
  .string()
  .min(1)
  .max(36)
  .refine((s) => !TAG_FORBIDDEN.test(s), "forbidden character");
export const ZTagValue = z
  .string()
  .max(43)
  .refine((s) => !TAG_FORBIDDEN.test(s), "forbidden character");
export const ZTag = z.object({ key: ZTagKey, value: ZTagValue });
export type TTag = z.infer<typeof ZTag>;

export const ZRotation = z.object({
  enabled: z.boolean(),
  intervalDays: z.number().int().min(ROTATION_INTERVAL_MIN).max(ROTATION_INTERVAL_MAX),
  lastRotatedAt: z.date().nullable(),
  rotationCount: z.number().int().min(0),
});
export type TRotation = z.infer<typeof ZRotation>;

/** A key as the domain sees it: no material, real types. */
export const ZKey = z.object({
  id: ZKeyId,
  projectId: z.string(),
  domainId: z.string(),
  alias: ZKeyAlias,
  description: ZKeyDescription,
  spec: ZKeySpec,
  usage: ZKeyUsage,
  origin: ZKeyOrigin,
  state: ZKeyState,
  isDefault: z.boolean(),
  /** The owning service of a default key (e.g. "obs"), null for custom keys. */
  service: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** When the current deletion was scheduled, null when not pending deletion. */
  deletionScheduledAt: z.date().nullable(),
  /** When the key will be destroyed, null when not pending deletion. */
  deletionDate: z.date().nullable(),
  currentVersion: z.number().int().min(1),
  rotation: ZRotation,
  lastUsedAt: z.date().nullable(),
});
export type TKey = z.infer<typeof ZKey>;

export const ZKeyVersion = z.object({
  keyId: ZKeyId,
  version: z.number().int().min(1),
  createdAt: z.date(),
});
export type TKeyVersion = z.infer<typeof ZKeyVersion>;

export const ZKeySortField = z.enum(["createdAt", "alias", "state", "spec", "lastUsedAt"]);
export type TKeySortField = z.infer<typeof ZKeySortField>;

export const ZKeyListQuery = z.object({
  /** Prefix of the alias or of the key ID, case-sensitive. */
  search: z.string().max(255).optional(),
  states: z.array(ZKeyState).optional(),
  specs: z.array(ZKeySpec).optional(),
  kind: z.enum(["all", "default", "custom"]).default("all"),
  /** Default keys whose service hides them from the KMS console; included unless false. */
  includeHidden: z.boolean().default(true),
  sort: ZKeySortField.default("createdAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  /** Opaque cursor from a previous page. */
  cursor: z.string().max(1024).optional(),
  /** Offset paging for the Huawei `marker`; ignored when cursor is set. */
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});
export type TKeyListQuery = z.input<typeof ZKeyListQuery>;
export type TKeyListQueryParsed = z.infer<typeof ZKeyListQuery>;

export const ZKeyPage = z.object({
  items: z.array(ZKey),
  nextCursor: z.string().nullable(),
  total: z.number().int().min(0),
});
export type TKeyPage = z.infer<typeof ZKeyPage>;
