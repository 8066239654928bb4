import {
  ZToolDecryptRequest,
  ZToolDecryptResponse,
  ZToolEncryptRequest,
  ZToolEncryptResponse,
} from "@kms/domain";
import { apiSend } from "../../../lib/api-client";

/**
 * The online tool's calls. Deliberately not queries or mutations with cached results: plaintext and
 * ciphertext live only in the tool component's state, and vanish with Clear or unmount.
 */
export async function encryptWithKey(projectId: string, id: string, plaintext: string): Promise<string> {
  const res = await apiSend("POST", `/api/keys/${encodeURIComponent(id)}/encrypt`, ZToolEncryptResponse, {
    query: { projectId },
    body: ZToolEncryptRequest.parse({ plaintext }),
  });
  return res.ciphertext;
}

export async function decryptWithKey(projectId: string, id: string, ciphertext: string): Promise<string> {
  const res = await apiSend("POST", `/api/keys/${encodeURIComponent(id)}/decrypt`, ZToolDecryptResponse, {
    query: { projectId },
    body: ZToolDecryptRequest.parse({ ciphertext }),
  });
  return res.plaintext;
}
