import { type TKeyDetail, type TUpdateKeyRequest, ZKeyDetail, ZUpdateKeyRequest } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export function updateKey(projectId: string, id: string, input: TUpdateKeyRequest): Promise<TKeyDetail> {
  return apiSend("PATCH", `/api/keys/${encodeURIComponent(id)}`, ZKeyDetail, {
    query: { projectId },
    body: ZUpdateKeyRequest.parse(input),
  });
}

export const useUpdateKey = (
  projectId: string,
  id: string,
  config?: KeyMutationConfig<TKeyDetail, TUpdateKeyRequest>,
) =>
  useKeyMutation(
    projectId,
    (input: TUpdateKeyRequest) => updateKey(projectId, id, input),
    (qc) => invalidateKey(qc, projectId, id),
    config,
  );
