import { type TKeyUsageSeries, ZKeyUsageSeries } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiGet } from "../../../lib/api-client";
import { keyKeys } from "./keys";

export function getKeyUsage(projectId: string, id: string, signal?: AbortSignal): Promise<TKeyUsageSeries> {
  return apiGet(`/api/keys/${encodeURIComponent(id)}/usage`, ZKeyUsageSeries, {
    query: { projectId, granularity: "day" },
    signal,
  });
}

export const keyUsageQueryOptions = (projectId: string, id: string) =>
  queryOptions({
    queryKey: keyKeys.usage(projectId, id),
    queryFn: ({ signal }) => getKeyUsage(projectId, id, signal),
  });

export const useKeyUsage = (projectId: string, id: string) => useQuery(keyUsageQueryOptions(projectId, id));
