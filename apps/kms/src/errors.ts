import { ERROR_CODES, type TErrorCode, type THuaweiErrorBody } from "@kms/domain";
import { KmsError } from "@kms/engine";

/** The Huawei error body, with error_code/error_msg repeated at the top level for the Node.js SDK. */
export function errorBody(code: string, message: string): THuaweiErrorBody {
  return { error: { error_code: code, error_msg: message }, error_code: code, error_msg: message };
}

export const isErrorCode = (code: unknown): code is TErrorCode =>
  typeof code === "string" && Object.hasOwn(ERROR_CODES, code);

/**
 * A KmsError, also when it comes from another copy of the engine module (instanceof would fail
 * across duplicated packages, so the shape is checked as well).
 */
export function asKmsError(e: unknown): KmsError | undefined {
  if (e instanceof KmsError) return e;
  if (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "KmsError" &&
    isErrorCode((e as { code?: unknown }).code)
  ) {
    return e as KmsError;
  }
  return undefined;
}

/** Fastify's own errors for bad input: each gets a Huawei 4xx, never a 5xx. */
const FASTIFY_CODES: Record<string, TErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "KMS.0203",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "KMS.0202",
  FST_ERR_CTP_EMPTY_JSON_BODY: "KMS.0202",
  FST_ERR_CTP_INVALID_JSON_BODY: "KMS.0202",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "KMS.0202",
  FST_ERR_CTP_INVALID_TYPE: "KMS.0202",
  FST_ERR_BAD_URL: "KMS.0201",
  FST_ERR_ASYNC_CONSTRAINT: "KMS.0201",
};

export interface MappedError {
  status: number;
  body: THuaweiErrorBody;
  /** True when the error was not a handled, expected one (a bug or an outage): log it. */
  unexpected: boolean;
}

export function mapError(e: unknown): MappedError {
  const kms = asKmsError(e);
  if (kms) return { status: kms.status, body: errorBody(kms.code, kms.message), unexpected: false };
  const fst = typeof e === "object" && e !== null ? (e as { code?: unknown; statusCode?: unknown }) : {};
  if (typeof fst.code === "string") {
    const code = FASTIFY_CODES[fst.code];
    if (code) return fromCode(code);
  }
  // Any other client error raised by the framework (e.g. an aborted or malformed request).
  if (typeof fst.statusCode === "number" && fst.statusCode >= 400 && fst.statusCode < 500) {
    return fromCode("KMS.0308");
  }
  return { ...fromCode("KMS.0101"), unexpected: true };
}

export function fromCode(code: TErrorCode, detail?: string): MappedError {
  const { status, message } = ERROR_CODES[code];
  return {
    status,
    body: errorBody(code, detail ? `${message} ${detail}` : message),
    unexpected: false,
  };
}
