import { ZConsoleErrorBody } from "@kms/domain";
import type { z } from "zod";

/**
 * The one way the console talks to the BFF. Every response body is parsed with the domain's zod
 * schema, so a component only ever sees the contract's types; every error becomes an ApiError
 * parsed from ZConsoleErrorBody. No toasts here: mutation hooks own the error policy.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, fields?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

let csrfToken: string | null = null;

/** Set from the session; sent as X-CSRF-Token on every request that changes something. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) {
      if (v.length > 0) params.set(k, v.join(","));
    } else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const parsed = ZConsoleErrorBody.safeParse(body);
  if (parsed.success) {
    const { code, message, fields } = parsed.data.error;
    return new ApiError(res.status, code, message, fields);
  }
  return new ApiError(res.status, `HTTP.${res.status}`, res.statusText || "Request failed");
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

async function request(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: "same-origin",
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "The console server cannot be reached.");
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

export async function apiGet<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.output<S>> {
  const res = await request("GET", path, opts);
  return schema.parse(await res.json());
}

export async function apiSend<S extends z.ZodType>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.output<S>> {
  const res = await request(method, path, opts);
  return schema.parse(await res.json());
}

/** For endpoints that answer 204 (sign-out). */
export async function apiSendEmpty(method: "POST" | "DELETE", path: string, opts: RequestOptions = {}) {
  await request(method, path, opts);
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
