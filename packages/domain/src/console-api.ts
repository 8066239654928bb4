/**
 * The console's API (served by the BFF): request and response bodies as JSON travels, so dates
 * are ISO-8601 strings and field names camelCase. The BFF parses every request and response with
 * these; the console uses the inferred types.
 */
import { z } from "zod";
import {
  DEFAULT_ALIAS_SUFFIX,
  isReservedAlias,
  ZDefaultKeyCatalogEntry,
  ZServiceCode,
} from "./default-keys.js";
import {
  MAX_TAGS_PER_KEY,
  PENDING_DAYS_MAX,
  PENDING_DAYS_MIN,
  ROTATION_INTERVAL_MAX,
  ROTATION_INTERVAL_MIN,
  ZKeyAlias,
  ZKeyDescription,
  ZKeyId,
  ZKeyOrigin,
  ZKeySortField,
  ZKeySpec,
  ZKeyState,
  ZKeyUsage,
  ZTag,
} from "./keys.js";
import { ZRole } from "./principals.js";
import { ZAuditResult, ZOperation } from "./usage.js";

const ZIsoDate = z.iso.datetime();

/** Actions the console may offer on a key; the BFF computes them from role, state and default-ness. */
export const ZKeyAction = z.enum([
  "enable",
  "disable",
  "schedule-deletion",
  "cancel-deletion",
  "edit",
  "tags",
  "rotation",
  "rotate",
  "tool",
]);
export type TKeyAction = z.infer<typeof ZKeyAction>;

export const ZKeyListItem = z.object({
  id: ZKeyId,
  alias: z.string(),
  state: ZKeyState,
  spec: ZKeySpec,
  usage: ZKeyUsage,
  origin: ZKeyOrigin,
  createdAt: ZIsoDate,
  isDefault: z.boolean(),
  service: ZServiceCode.nullable(),
  serviceName: z.string().nullable(),
  hiddenInConsole: z.boolean(),
  deletionDate: ZIsoDate.nullable(),
  requestsThisMonth: z.number().int().min(0),
  lastUsedAt: ZIsoDate.nullable(),
});
export type TKeyListItem = z.infer<typeof ZKeyListItem>;

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .max(512)
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(item));

const booleanString = z.enum(["true", "false"]).transform((s) => s === "true");

export const ZKeyListParams = z.strictObject({
  projectId: z.string().min(1).max(64),
  q: z.string().max(255).optional(),
  state: csv(ZKeyState).optional(),
  spec: csv(ZKeySpec).optional(),
  type: z.enum(["all", "default", "custom"]).default("all"),
  showHidden: booleanString.default(false),
  sort: ZKeySortField.default("createdAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TKeyListParams = z.input<typeof ZKeyListParams>;

export const ZKeyListResponse = z.object({
  items: z.array(ZKeyListItem),
  nextCursor: z.string().nullable(),
  total: z.number().int().min(0),
});
export type TKeyListResponse = z.infer<typeof ZKeyListResponse>;

export const ZKeyDetail = ZKeyListItem.extend({
  description: z.string(),
  updatedAt: ZIsoDate,
  deletionScheduledAt: ZIsoDate.nullable(),
  readOnly: z.boolean(),
  /** Why nothing may be changed, e.g. "Default key of Object Storage Service: managed by the service". */
  readOnlyReason: z.string().nullable(),
  allowedActions: z.array(ZKeyAction),
  rotation: z.object({
    supported: z.boolean(),
    enabled: z.boolean(),
    intervalDays: z.number().int(),
    lastRotatedAt: ZIsoDate.nullable(),
    rotationCount: z.number().int().min(0),
  }),
  tags: z.array(ZTag),
  versions: z.array(z.object({ version: z.number().int().min(1), createdAt: ZIsoDate })),
});
export type TKeyDetail = z.infer<typeof ZKeyDetail>;

export const ZConsoleAlias = ZKeyAlias.refine((a) => !isReservedAlias(a), {
  message: `An alias may not end in ${DEFAULT_ALIAS_SUFFIX}, in any case: that suffix is reserved for service default keys.`,
});

/** A key's tags: at most MAX_TAGS_PER_KEY, each tag key once. */
const ZTagList = z
  .array(ZTag)
  .max(MAX_TAGS_PER_KEY)
  .refine((tags) => new Set(tags.map((t) => t.key)).size === tags.length, {
    message: "Each tag key may appear once.",
  });

export const ZCreateKeyRequest = z.strictObject({
  alias: ZConsoleAlias,
  spec: ZKeySpec.default("AES_256"),
  usage: ZKeyUsage.optional(),
  description: ZKeyDescription.default(""),
  tags: ZTagList.default([]),
});
export type TCreateKeyRequest = z.input<typeof ZCreateKeyRequest>;

export const ZUpdateKeyRequest = z
  .strictObject({ alias: ZConsoleAlias.optional(), description: ZKeyDescription.optional() })
  .refine((b) => b.alias !== undefined || b.description !== undefined, { message: "Nothing to update." });
export type TUpdateKeyRequest = z.input<typeof ZUpdateKeyRequest>;

export const ZScheduleDeletionRequest = z.strictObject({
  pendingDays: z.number().int().min(PENDING_DAYS_MIN).max(PENDING_DAYS_MAX),
});
export type TScheduleDeletionRequest = z.infer<typeof ZScheduleDeletionRequest>;

export const ZPutTagsRequest = z.strictObject({ tags: ZTagList });
export type TPutTagsRequest = z.infer<typeof ZPutTagsRequest>;

export const ZPutRotationRequest = z.strictObject({
  enabled: z.boolean(),
  intervalDays: z.number().int().min(ROTATION_INTERVAL_MIN).max(ROTATION_INTERVAL_MAX),
});
export type TPutRotationRequest = z.infer<typeof ZPutRotationRequest>;

/** The online tool: at most 4 KB of UTF-8 text in, base64 ciphertext out. */
export const ZToolEncryptRequest = z.strictObject({
  plaintext: z
    .string()
    .min(1)
    .refine((s) => new TextEncoder().encode(s).length <= 4096, { message: "At most 4096 bytes." }),
});
export const ZToolEncryptResponse = z.object({ keyId: ZKeyId, ciphertext: z.string() });
export const ZToolDecryptRequest = z.strictObject({ ciphertext: z.string().min(1).max(8192) });
export const ZToolDecryptResponse = z.object({ keyId: ZKeyId, plaintext: z.string() });

export const ZUsageGranularity = z.enum(["hour", "day"]);
export const ZKeyUsageParams = z.strictObject({
  projectId: z.string().min(1).max(64),
  from: ZIsoDate.optional(),
  to: ZIsoDate.optional(),
  granularity: ZUsageGranularity.default("day"),
});
export const ZKeyUsageSeries = z.object({
  keyId: ZKeyId,
  granularity: ZUsageGranularity,
  from: ZIsoDate,
  to: ZIsoDate,
  series: z.array(
    z.object({
      operation: ZOperation,
      points: z.array(z.object({ time: ZIsoDate, count: z.number().int() })),
    }),
  ),
  lastUsedAt: ZIsoDate.nullable(),
  requestsThisMonth: z.number().int(),
  /** This key's share of the account's free monthly quota that it used up, 0..1. */
  freeQuotaShare: z.number().min(0).max(1),
  /** This key's request and hosting charges this month. */
  costThisMonth: z.number().min(0),
});
export type TKeyUsageSeries = z.infer<typeof ZKeyUsageSeries>;

export const ZDependent = z.object({
  principalId: z.string(),
  principalName: z.string(),
  kind: z.enum(["user", "service"]),
  service: ZServiceCode.nullable(),
  requests: z.number().int(),
  lastUsedAt: ZIsoDate.nullable(),
  operations: z.array(ZOperation),
});
export const ZDependentsResponse = z.object({ items: z.array(ZDependent) });

export const ZMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);

/**
 * A month's usage as a project's users see it. The request figures, free quota and charges are the
 * account's (the free quota is per account, shared by all its projects) and are labelled so; `byKey`
 * lists only the project's keys.
 */
export const ZUsageSummary = z.object({
  month: ZMonth,
  currency: z.string(),
  totalRequests: z.number().int(),
  freeQuota: z.number().int(),
  freeUsed: z.number().int(),
  billableRequests: z.number().int(),
  requestCharges: z.number(),
  hostingCharges: z.number(),
  total: z.number(),
  forecastTotal: z.number(),
  byKey: z.array(
    z.object({
      keyId: z.string(),
      alias: z.string().nullable(),
      isDefault: z.boolean(),
      requests: z.number().int(),
      requestCharges: z.number(),
      hostingCharges: z.number(),
    }),
  ),
  byService: z.array(
    z.object({ principal: z.string(), service: ZServiceCode.nullable(), requests: z.number().int() }),
  ),
  daily: z.array(z.object({ day: z.string(), requests: z.number().int() })),
});
export type TUsageSummary = z.infer<typeof ZUsageSummary>;

export const ZAuditParams = z.strictObject({
  projectId: z.string().min(1).max(64),
  keyId: ZKeyId.optional(),
  principalId: z.string().max(64).optional(),
  action: ZOperation.optional(),
  result: ZAuditResult.optional(),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ZAuditItem = z.object({
  id: z.string(),
  time: ZIsoDate,
  principalId: z.string(),
  principalName: z.string(),
  action: ZOperation,
  keyId: z.string().nullable(),
  result: ZAuditResult,
  errorCode: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export const ZAuditPage = z.object({ items: z.array(ZAuditItem), nextCursor: z.string().nullable() });

/** A project the signed-in user has a role in. */
export const ZSessionProject = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  role: ZRole,
  /** The project was seeded with simulated data (cloud-sim demo-seed). */
  demo: z.boolean(),
});
export type TSessionProject = z.infer<typeof ZSessionProject>;

export const ZSession = z.object({
  username: z.string(),
  /** The project the console opens on: the first of `projects`. */
  projectId: z.string(),
  /** Only the projects the user has a role in, oldest first. */
  projects: z.array(ZSessionProject).min(1),
  csrfToken: z.string(),
});
export type TSession = z.infer<typeof ZSession>;

export const ZLoginRequest = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** The console's error body: the code from the closed set, its message, and field issues for forms. */
export const ZConsoleErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type TConsoleErrorBody = z.infer<typeof ZConsoleErrorBody>;

/** The project selector every project-scoped route takes in its query string. */
export const ZProjectQuery = z.strictObject({ projectId: z.string().min(1).max(64) });
export const ZKeyIdParams = z.strictObject({ id: ZKeyId });

export const ZProjectsResponse = z.object({ items: z.array(ZSessionProject) });

/** Month reports: the current UTC month when `month` is omitted. */
export const ZMonthParams = z.strictObject({
  projectId: z.string().min(1).max(64),
  month: ZMonth.optional(),
});

export const ZBillLine = z.object({
  kind: z.enum(["hosting", "requests"]),
  description: z.string(),
  projectId: z.string().nullable(),
  keyId: z.string().nullable(),
  version: z.number().int().nullable(),
  quantity: z.number(),
  unit: z.enum(["hour", "request"]),
  unitPrice: z.number(),
  amount: z.number(),
});
/** The account's bill (all its projects): shown to a user with a role in any of them, labelled so. */
export const ZBill = z.object({
  month: ZMonth,
  currency: z.string(),
  lines: z.array(ZBillLine),
  total: z.number(),
});
export type TBill = z.infer<typeof ZBill>;

export const ZDefaultKeysCatalogResponse = z.object({
  items: z.array(
    ZDefaultKeyCatalogEntry.extend({
      /** Whether the service has created its default key in this project yet. */
      exists: z.boolean(),
      keyId: ZKeyId.nullable(),
    }),
  ),
});
export type TDefaultKeysCatalogResponse = z.infer<typeof ZDefaultKeysCatalogResponse>;

/** keys.csv takes the list's filters, without paging. */
export const ZKeysCsvParams = ZKeyListParams.omit({ cursor: true, limit: true });

/** Server-sent events of GET /api/events (the SSE `event:` is `type`; `data:` is this JSON). */
export const ZConsoleEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("key-created"), keyId: z.string(), time: ZIsoDate }),
  z.object({ type: z.literal("key-changed"), keyId: z.string(), action: ZOperation, time: ZIsoDate }),
  z.object({
    type: z.literal("default-key-created"),
    keyId: z.string(),
    service: z.string().nullable(),
    time: ZIsoDate,
  }),
  z.object({ type: z.literal("usage"), month: ZMonth, totalRequests: z.number().int() }),
]);
export type TConsoleEvent = z.infer<typeof ZConsoleEvent>;

export const ZHealth = z.object({ status: z.literal("ok") });
