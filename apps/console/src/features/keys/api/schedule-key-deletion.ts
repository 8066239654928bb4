import { type TKeyDetail, ZKeyDetail, ZScheduleDeletionRequest } from "@kms/domain";
import { apiSend } from "../../../lib/api-client";
import { invalidateKey, type KeyMutationConfig, useKeyMutation } from "./key-mutation";

export interface ScheduleDeletionVars {
  id: string;
  pendingDays: number;
}

export function scheduleKeyDeletion(
  projectId: string,
  { id, pendingDays }: ScheduleDeletionVars,
): Promise<TKeyDetail> {
  return apiSend("POST", `/api/keys/${encodeURIComponent(id)}/schedule-deletion`, ZKeyDetail, {
    query: { projectId },
    body: ZScheduleDeletionRequest.parse({ pendingDays }),
  });
}

export const useScheduleKeyDeletion = (
  projectId: string,
  config?: KeyMutationConfig<TKeyDetail, ScheduleDeletionVars>,
) =>
  useKeyMutation(
    projectId,
    (vars: ScheduleDeletionVars) => scheduleKeyDeletion(projectId, vars),
    (qc, _d, vars) => invalidateKey(qc, projectId, vars.id),
    config,
  );
