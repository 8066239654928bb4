import {
  canonicalRequest,
  EMPTY_BODY_SHA256,
  formatSdkDate,
  hmacHex,
  SDK_ALGORITHM,
  sha256Hex,
  stringToSign,
} from "../auth/sdk-hmac.js";

/**
 * A small SDK-HMAC-SHA256 client for tests, e2e and benchmarks: it signs like the official SDK
 * (content-type, host, x-project-id and x-sdk-date signed; canonical URI ending in "/").
 */

export interface SignInput {
  method: string;
  /** Absolute URL of the request. */
  url: string;
  ak: string;
  sk: string;
  projectId?: string;
  /** The exact body string that will be sent. */
  body?: string;
  date?: Date;
  /** Extra headers (lower-case names); they are signed too. */
  headers?: Record<string, string>;
}

/** The headers to send, Authorization included. */
export function signRequest(input: SignInput): Record<string, string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: url.host,
    "x-sdk-date": formatSdkDate(input.date ?? new Date()),
    ...(input.projectId ? { "x-project-id": input.projectId } : {}),
    ...input.headers,
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest({
    method: input.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    signedHeaders,
    bodyHash: input.body ? sha256Hex(input.body) : EMPTY_BODY_SHA256,
  });
  const signature = hmacHex(input.sk, stringToSign(headers["x-sdk-date"]!, canonical));
  return {
    ...headers,
    authorization: `${SDK_ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`,
  };
}

export interface KmsResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** Parsed JSON; undefined for an empty body. */
  body: T;
}

export interface SignedClientOptions {
  /** e.g. "http://127.0.0.1:8081", without a trailing slash. */
  endpoint: string;
  projectId: string;
  ak: string;
  sk: string;
  /** The signing time; now by default. */
  now?: () => Date;
}

export interface SignedClient {
  /** POST /v1.0/{project}/kms/{operation} with a JSON body. */
  call<T = Record<string, unknown>>(operation: string, body?: unknown): Promise<KmsResponse<T>>;
  /** Any method and path under /v1.0/{project}/kms/. */
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<KmsResponse<T>>;
}

export function createSignedClient(opts: SignedClientOptions): SignedClient {
  const endpoint = opts.endpoint.replace(/\/+$/, "");
  async function request<T>(method: string, path: string, body?: unknown): Promise<KmsResponse<T>> {
    const url = `${endpoint}/v1.0/${opts.projectId}/kms/${path.replace(/^\/+/, "")}`;
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers = signRequest({
      method,
      url,
      ak: opts.ak,
      sk: opts.sk,
      projectId: opts.projectId,
      body: text,
      date: opts.now?.(),
    });
    delete headers.host; // fetch sets Host itself, to the same value
    const res = await fetch(url, { method, headers, body: text });
    const raw = await res.text();
    return { status: res.status, headers: res.headers, body: (raw ? JSON.parse(raw) : undefined) as T };
  }
  return {
    request,
    call: (operation, body) => request("POST", operation, body ?? {}),
  };
}
