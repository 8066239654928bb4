import { type TKeyDetail, ZKeyDetail } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export function rotateKey(projectId: string, id: string): Promise<TKeyDetail> {
  return apiSend("POST", `/api/keys/${encodeURIComponent(id)}/rotate`, ZKeyDetail, { query: { projectId } });
}

export const useRotateKey = (projectId: string, config?: KeyMutationConfig<TKeyDetail, string>) =>
  useKeyMutation(
    projectId,
    (id: string) => rotateKey(projectId, id),
    (qc, _d, id) => invalidateKey(qc, projectId, id),
    config,
  );
