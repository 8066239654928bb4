import type { TConsoleErrorBody } from "@kms/domain";
import { isKmsError } from "@kms/engine";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Log } from "../context.js";
import { AppError } from "../errors.js";

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/** Maps anything thrown to the one error body. Operational errors keep their code; the rest is masked. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  // KmsError messages are the domain's table plus a detail that never holds secrets.
  if (isKmsError(err)) return new AppError(err.code, err.message);
  const parser = (typeof err === "object" && err !== null ? err : {}) as BodyParserError;
  if (parser.type === "entity.parse.failed") return new AppError("KMS.0202");
  if (parser.type === "entity.too.large") return new AppError("KMS.0203");
  if (typeof parser.status === "number" && parser.status >= 400 && parser.status < 500) {
    return new AppError("KMS.0308", "The request could not be read.");
  }
  return undefined;
}

export function errorBody(e: AppError): TConsoleErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } };
}

export function errorHandler(log: Log): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const known = toAppError(err);
    const e = known ?? new AppError("KMS.0101");
    if (!known) {
      // A programmer error: log its kind and where, never its message (it may quote input).
      log({
        requestId: String(res.locals.requestId ?? ""),
        level: "error",
        error: err instanceof Error ? err.name : typeof err,
        stack: err instanceof Error ? (err.stack?.split("\n")[1]?.trim() ?? "") : "",
      });
    }
    res.locals.errorCode = e.code;
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(e.status).json(errorBody(e));
  };
}

/** Unknown /api routes answer with the error body, never the console's index.html. */
export const apiNotFound: RequestHandler = (_req, _res, next) => {
  next(new AppError("CONSOLE.0404"));
};
