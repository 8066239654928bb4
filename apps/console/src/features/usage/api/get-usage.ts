import { type TUsageSummary, ZUsageSummary } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiGet, buildUrl } from "../../../lib/api-client";

export const usageKeys = {
  all: (projectId: string) => ["usage", projectId] as const,
  month: (projectId: string, month: string | undefined) =>
    [...usageKeys.all(projectId), month ?? "current"] as const,
};

export function getUsage(
  projectId: string,
  month: string | undefined,
  signal?: AbortSignal,
): Promise<TUsageSummary> {
  return apiGet("/api/usage", ZUsageSummary, { query: { projectId, month }, signal });
}

export const usageQueryOptions = (projectId: string, month: string | undefined) =>
  queryOptions({
    queryKey: usageKeys.month(projectId, month),
    queryFn: ({ signal }) => getUsage(projectId, month, signal),
  });

export const useUsage = (projectId: string, month: string | undefined) =>
  useQuery(usageQueryOptions(projectId, month));

/** The CSV export is a plain link: the browser downloads it with the session cookie. */
export const usageCsvUrl = (projectId: string, month: string | undefined) =>
  buildUrl("/api/usage.csv", { projectId, month });
