import type { TErrorCode } from "@kms/domain";
import { KmsError } from "@kms/engine";
import type { z } from "zod";

/** Fields with their own Huawei code for an invalid value (path without array indices). */
const FIELD_CODES: Record<string, TErrorCode> = {
  key_id: "KMS.0205",
  key_alias: "KMS.1101",
  key_description: "KMS.1103",
  pending_days: "KMS.1401",
  limit: "KMS.1601",
  marker: "KMS.1602",
  offset: "KMS.0417",
  rotation_interval: "KMS.3001",
  sequence: "KMS.0206",
  action: "KMS.0404",
  "tag.key": "KMS.0406",
  "tag.value": "KMS.0405",
  "tags.key": "KMS.0406",
  "tags.value": "KMS.0405",
  "tags.values": "KMS.0405",
  grant_id: "KMS.2501",
  grantee_principal: "KMS.2402",
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The Huawei code and a short, secret-free detail for the first problem zod found. */
export function codeForIssues(issues: readonly z.core.$ZodIssue[], input: unknown): [TErrorCode, string] {
  const missing = issues.find((i) => i.code === "invalid_type" && valueAt(input, i.path) === undefined);
  if (missing) return ["KMS.0204", `${pathName(missing.path)} is required.`];
  const unknown = issues.find((i) => i.code === "unrecognized_keys");
  if (unknown && unknown.code === "unrecognized_keys") {
    const where = unknown.path.length ? ` in ${pathName(unknown.path)}` : "";
    return ["KMS.0308", `Unknown field ${unknown.keys.slice(0, 3).join(", ")}${where}.`];
  }
  const first = issues[0];
  if (!first) return ["KMS.0308", ""];
  const field = pathName(first.path);
  const own =
    first.code === "custom" ? (first.params as { kmsCode?: TErrorCode } | undefined)?.kmsCode : undefined;
  const code = own ?? FIELD_CODES[field] ?? "KMS.0308";
  // A field's own code already names the field; the generic one gets the name as detail.
  if (code !== "KMS.0308") return [code, ""];
  return [code, field ? `Invalid ${field}.` : "Invalid request body."];
}

function pathName(path: readonly PropertyKey[]): string {
  return path.filter((p) => typeof p === "string").join(".");
}

/** Parses a request body with its schema; bad input becomes the documented KmsError. */
export function parseBody<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const [code, detail] = codeForIssues(r.error.issues, input);
  throw new KmsError(code, detail || undefined);
}
