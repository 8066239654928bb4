import { ERROR_CODES, type TErrorCode } from "@kms/domain";

/**
 * The BFF's one error type. `code` comes from the domain's closed set, whose entries carry the HTTP
 * status (checked with `satisfies` there), so a new code forces a status decision. `message` is
 * what the console shows; it never holds secrets.
 */
export class AppError extends Error {
  readonly code: TErrorCode;
  readonly status: number;
  readonly fields: Record<string, string> | undefined;

  constructor(code: TErrorCode, message?: string, fields?: Record<string, string>) {
    super(message ?? ERROR_CODES[code].message);
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.fields = fields;
  }
}
