import { type TDefaultKeysCatalogResponse, ZDefaultKeysCatalogResponse } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { apiGet } from "../../../lib/api-client";

export const defaultKeyKeys = {
  catalog: (projectId: string) => ["default-keys", projectId] as const,
};

export function getDefaultKeys(
  projectId: string,
  signal?: AbortSignal,
): Promise<TDefaultKeysCatalogResponse> {
  return apiGet("/api/default-keys/catalog", ZDefaultKeysCatalogResponse, { query: { projectId }, signal });
}

export const defaultKeysQueryOptions = (projectId: string) =>
  queryOptions({
    queryKey: defaultKeyKeys.catalog(projectId),
    queryFn: ({ signal }) => getDefaultKeys(projectId, signal),
  });

export const useDefaultKeys = (projectId: string) => useQuery(defaultKeysQueryOptions(projectId));
