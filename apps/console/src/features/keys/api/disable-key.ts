import { type TKeyDetail, ZKeyDetail } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export function disableKey(projectId: string, id: string): Promise<TKeyDetail> {
  return apiSend("POST", `/api/keys/${encodeURIComponent(id)}/disable`, ZKeyDetail, { query: { projectId } });
}

export const useDisableKey = (projectId: string, config?: KeyMutationConfig<TKeyDetail, string>) =>
  useKeyMutation(
    projectId,
    (id: string) => disableKey(projectId, id),
    (qc, _d, id) => invalidateKey(qc, projectId, id),
    config,
  );
