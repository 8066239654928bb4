import { type TKeyDetail, ZKeyDetail } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiGet } from "../../../lib/api-client";
import { keyKeys } from "./keys";

export function getKey(projectId: string, id: string, signal?: AbortSignal): Promise<TKeyDetail> {
  return apiGet(`/api/keys/${encodeURIComponent(id)}`, ZKeyDetail, { query: { projectId }, signal });
}

export const keyQueryOptions = (projectId: string, id: string) =>
  queryOptions({
    queryKey: keyKeys.detail(projectId, id),
    queryFn: ({ signal }) => getKey(projectId, id, signal),
  });

export const useKey = (projectId: string, id: string, opts: { enabled?: boolean } = {}) =>
  useQuery({ ...keyQueryOptions(projectId, id), enabled: opts.enabled ?? true });
