import { z } from "zod";

/** Every operation of the KMS that is metered and audited, named as in the Huawei API paths. */
export const ZOperation = z.enum([
  "list-keys",
  "describe-key",
  "create-key",
  "enable-key",
  "disable-key",
  "schedule-key-deletion",
  "cancel-key-deletion",
  "update-key-alias",
  "update-key-description",
  "encrypt-data",
  "decrypt-data",
  "create-datakey",
  "create-datakey-without-plaintext",
  "encrypt-datakey",
  "decrypt-datakey",
  "gen-random",
  "sign",
  "verify",
  "get-publickey",
  "generate-mac",
  "verify-mac",
  "get-key-rotation-status",
  "enable-key-rotation",
  "disable-key-rotation",
  "update-key-rotation-interval",
  "rotate-on-demand",
  "create-tag",
  "delete-tag",
  "batch-tags",
  "list-tags",
  "list-project-tags",
  "list-kms-by-tags",
  "create-grant",
  "list-grants",
  "list-retirable-grants",
  "revoke-grant",
  "retire-grant",
  "user-instances",
  "user-quotas",
  "create-default-key",
  "delete-key",
]);
export type TOperation = z.infer<typeof ZOperation>;

/** The operations a grant may name (Huawei's create-grant list). */
export const ZGrantOperation = ZOperation.extract([
  "create-datakey",
  "create-datakey-without-plaintext",
  "encrypt-datakey",
  "decrypt-datakey",
  "describe-key",
  "create-grant",
  "retire-grant",
  "encrypt-data",
  "decrypt-data",
]);
export type TGrantOperation = z.infer<typeof ZGrantOperation>;

/** Operations that change a key or the project: always audited. Crypto and reads are audited only when refused. */
export const MANAGEMENT_OPERATIONS: ReadonlySet<TOperation> = new Set<TOperation>([
  "create-key",
  "enable-key",
  "disable-key",
  "schedule-key-deletion",
  "cancel-key-deletion",
  "update-key-alias",
  "update-key-description",
  "enable-key-rotation",
  "disable-key-rotation",
  "update-key-rotation-interval",
  "rotate-on-demand",
  "create-tag",
  "delete-tag",
  "batch-tags",
  "create-grant",
  "revoke-grant",
  "retire-grant",
  "create-default-key",
  "delete-key",
]);

/** One metered count: requests of one operation on one key by one principal within one hour. */
export const ZUsageCount = z.object({
  projectId: z.string(),
  domainId: z.string(),
  /** "" for project-level requests that name no key. */
  keyId: z.string(),
  principalId: z.string(),
  operation: ZOperation,
  /** Start of the UTC hour. */
  hour: z.date(),
  count: z.number().int().min(1),
});
export type TUsageCount = z.infer<typeof ZUsageCount>;

export const ZAuditResult = z.enum(["success", "refused"]);

export const ZAuditEvent = z.object({
  id: z.string(),
  time: z.date(),
  projectId: z.string(),
  principalId: z.string(),
  principalName: z.string(),
  operation: ZOperation,
  keyId: z.string().nullable(),
  result: ZAuditResult,
  /** The error code of a refused call. */
  errorCode: z.string().nullable(),
  /** Non-secret facts about the call (new alias, pending days, …). Never material or plaintext. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type TAuditEvent = z.infer<typeof ZAuditEvent>;

/** Prices; defaults follow Huawei's international price list (request price unpublished, AWS's used). */
export const ZPricing = z.object({
  currency: z.string().default("USD"),
  /** Hosting of one custom key version for one hour, prorated by the second. */
  keyVersionHourly: z.number().min(0).default(0.001388),
  /** Free API requests per account (domain) per calendar month. */
  freeRequestsPerMonth: z.number().int().min(0).default(20_000),
  /** Price per 10,000 requests beyond the free quota. */
  requestPricePer10k: z.number().min(0).default(0.03),
});
export type TPricing = z.infer<typeof ZPricing>;
