import { ZDependentsResponse } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { apiGet } from "../../../lib/api-client";
import { keyKeys } from "./keys";

export type TDependents = z.infer<typeof ZDependentsResponse>;

export function getKeyDependents(projectId: string, id: string, signal?: AbortSignal): Promise<TDependents> {
  return apiGet(`/api/keys/${encodeURIComponent(id)}/dependents`, ZDependentsResponse, {
    query: { projectId },
    signal,
  });
}

export const keyDependentsQueryOptions = (projectId: string, id: string) =>
  queryOptions({
    queryKey: keyKeys.dependents(projectId, id),
    queryFn: ({ signal }) => getKeyDependents(projectId, id, signal),
  });

export const useKeyDependents = (projectId: string, id: string, opts: { enabled?: boolean } = {}) =>
  useQuery({ ...keyDependentsQueryOptions(projectId, id), enabled: opts.enabled ?? true });
