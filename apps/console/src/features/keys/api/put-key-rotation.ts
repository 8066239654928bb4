import { type TKeyDetail, type TPutRotationRequest, ZKeyDetail, ZPutRotationRequest } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export function putKeyRotation(
  projectId: string,
  id: string,
  body: TPutRotationRequest,
): Promise<TKeyDetail> {
  return apiSend("PUT", `/api/keys/${encodeURIComponent(id)}/rotation`, ZKeyDetail, {
    query: { projectId },
    body: ZPutRotationRequest.parse(body),
  });
}

export const usePutKeyRotation = (
  projectId: string,
  id: string,
  config?: KeyMutationConfig<TKeyDetail, TPutRotationRequest>,
) =>
  useKeyMutation(
    projectId,
    (b: TPutRotationRequest) => putKeyRotation(projectId, id, b),
    (qc) => invalidateKey(qc, projectId, id),
    config,
  );
