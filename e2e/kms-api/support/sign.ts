import { signRequest as apiSignRequest } from "@kms/api";

export interface AccessKeyPair {
  ak: string;
  sk: string;
}

/**
 * SDK-HMAC-SHA256 headers (Authorization included) from the signer that @kms/api exports for tests
 * and clients. `headers` may override content-type; x-project-id is taken from `headers` if present.
 */
export function signRequest(input: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  credential: AccessKeyPair;
  date?: Date;
}): Record<string, string> {
  const { "x-project-id": projectId, ...rest } = input.headers;
  return apiSignRequest({
    method: input.method,
    url: input.url.toString(),
    ak: input.credential.ak,
    sk: input.credential.sk,
    ...(projectId ? { projectId } : {}),
    body: input.body,
    ...(input.date ? { date: input.date } : {}),
    headers: rest,
  });
}
