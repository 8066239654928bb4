import { httpRequest, type RawResponse } from "./http.js";
import type { Credentials, ServeHandle } from "./server.js";
import { type AccessKeyPair, signRequest } from "./sign.js";

export interface KmsResponse extends RawResponse {
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in the tests
  json: any;
}

export interface Target {
  baseUrl: string;
  credentials: Credentials;
}

export const kmsPath = (projectId: string, op: string): string => `/v1.0/${projectId}/kms/${op}`;

/** A signed JSON request to the KMS API. `op` is the part after /kms/ ("create-key", "<id>/tags"). */
export async function kmsCall(
  target: Target | ServeHandle,
  credential: AccessKeyPair,
  op: string,
  body?: unknown,
  options: { method?: string; projectId?: string } = {},
): Promise<KmsResponse> {
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const url = new URL(kmsPath(options.projectId ?? target.credentials.projectId, op), target.baseUrl);
  const payload = body === undefined ? "" : JSON.stringify(body);
  const headers: Record<string, string> = {
    "x-project-id": target.credentials.projectId,
  };
  if (body !== undefined) headers["content-type"] = "application/json;charset=UTF-8";
  const signed = signRequest({ method, url, headers, body: payload, credential });
  const res = await httpRequest(url.toString(), {
    method,
    headers: signed,
    ...(body === undefined ? {} : { body: payload }),
  });
  return { ...res, json: parseJson(res.text) };
}

export function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Fails with the whole response when the status is not the expected one. */
export function expectStatus(res: KmsResponse, status: number): KmsResponse {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.text}`);
  return res;
}
