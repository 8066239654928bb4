import { type TCreateKeyRequest, type TKeyDetail, ZCreateKeyRequest, ZKeyDetail } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { type KeyMutationConfig, useKeyMutation } from "./key-mutation";
import { keyKeys } from "./keys";

export function createKey(projectId: string, input: TCreateKeyRequest): Promise<TKeyDetail> {
  return apiSend("POST", "/api/keys", ZKeyDetail, {
    query: { projectId },
    body: ZCreateKeyRequest.parse(input),
  });
}

export const useCreateKey = (projectId: string, config?: KeyMutationConfig<TKeyDetail, TCreateKeyRequest>) =>
  useKeyMutation(
    projectId,
    (input: TCreateKeyRequest) => createKey(projectId, input),
    (qc, key) => {
      qc.setQueryData(keyKeys.detail(projectId, key.id), key);
      return qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) });
    },
    config,
  );
