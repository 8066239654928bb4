import { ERROR_CODES, type TErrorCode } from "@kms/domain";

/** The one error type. `detail` narrows the message ("pending_days 3 is out of range"); never secrets. */
export class KmsError extends Error {
  readonly code: TErrorCode;
  readonly status: number;
  readonly detail: string | undefined;

  constructor(code: TErrorCode, detail?: string) {
    const { status, message } = ERROR_CODES[code];
    super(detail ? `${message} ${detail}` : message);
    this.name = "KmsError";
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

export const isKmsError = (e: unknown): e is KmsError => e instanceof KmsError;
