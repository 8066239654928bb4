import { type TKeyDetail, type TPutTagsRequest, ZKeyDetail, ZPutTagsRequest } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export function putKeyTags(projectId: string, id: string, body: TPutTagsRequest): Promise<TKeyDetail> {
  return apiSend("PUT", `/api/keys/${encodeURIComponent(id)}/tags`, ZKeyDetail, {
    query: { projectId },
    body: ZPutTagsRequest.parse(body),
  });
}

export const usePutKeyTags = (
  projectId: string,
  id: string,
  config?: KeyMutationConfig<TKeyDetail, TPutTagsRequest>,
) =>
  useKeyMutation(
    projectId,
    (b: TPutTagsRequest) => putKeyTags(projectId, id, b),
    (qc) => invalidateKey(qc, projectId, id),
    config,
  );
