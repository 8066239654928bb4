import type { KeysSearch } from "./get-keys";

/** Query keys for keys, most general first, so invalidating a prefix reaches everything under it. */
export const keyKeys = {
  all: (projectId: string) => ["keys", projectId] as const,
  lists: (projectId: string) => [...keyKeys.all(projectId), "list"] as const,
  list: (projectId: string, filters: KeysSearch) => [...keyKeys.lists(projectId), filters] as const,
  details: (projectId: string) => [...keyKeys.all(projectId), "detail"] as const,
  detail: (projectId: string, id: string) => [...keyKeys.details(projectId), id] as const,
  usage: (projectId: string, id: string) => [...keyKeys.detail(projectId, id), "usage"] as const,
  dependents: (projectId: string, id: string) => [...keyKeys.detail(projectId, id), "dependents"] as const,
};
