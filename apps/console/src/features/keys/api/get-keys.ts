import {
  type TKeyListParams,
  type TKeyListResponse,
  ZKeyListResponse,
  ZKeySortField,
  ZKeySpec,
  ZKeyState,
} from "@kms/domain";
import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiGet } from "../../../lib/api-client";
import { keyKeys } from "./keys";

/**
 * The keys page's URL search params: every filter, the search and the sort, so a view can be
 * bookmarked. All optional (defaults apply here), and a bad value is dropped rather than failing.
 */
export const ZKeysSearch = z.object({
  q: z.string().max(255).optional().catch(undefined),
  state: z.array(ZKeyState).optional().catch(undefined),
  spec: z.array(ZKeySpec).optional().catch(undefined),
  type: z.enum(["all", "default", "custom"]).optional().catch(undefined),
  hidden: z.boolean().optional().catch(undefined),
  sort: ZKeySortField.optional().catch(undefined),
  order: z.enum(["asc", "desc"]).optional().catch(undefined),
});
export type KeysSearch = z.infer<typeof ZKeysSearch>;

export const PAGE_SIZE = 100;

/** The BFF's list params (ZKeyListParams' input); limit pinned to a number (its input type is unknown: coerced). */
export type KeyListParams = TKeyListParams & { limit: number };

export function toListParams(projectId: string, s: KeysSearch, cursor?: string): KeyListParams {
  return {
    projectId,
    q: s.q || undefined,
    state: s.state?.length ? s.state.join(",") : undefined,
    spec: s.spec?.length ? s.spec.join(",") : undefined,
    type: s.type ?? "all",
    showHidden: s.hidden ? "true" : "false",
    sort: s.sort ?? "createdAt",
    order: s.order ?? "desc",
    cursor,
    limit: PAGE_SIZE,
  };
}

export function getKeys(params: KeyListParams, signal?: AbortSignal): Promise<TKeyListResponse> {
  return apiGet("/api/keys", ZKeyListResponse, { query: { ...params }, signal });
}

export const keysInfiniteQueryOptions = (projectId: string, search: KeysSearch) =>
  infiniteQueryOptions({
    queryKey: keyKeys.list(projectId, search),
    queryFn: ({ pageParam, signal }) => getKeys(toListParams(projectId, search, pageParam), signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const useKeys = (projectId: string, search: KeysSearch) =>
  useInfiniteQuery(keysInfiniteQueryOptions(projectId, search));
