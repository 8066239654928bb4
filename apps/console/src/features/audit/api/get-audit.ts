import { ZAuditPage, ZAuditResult, ZOperation } from "@kms/domain";
import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { z } from "zod";
import { apiGet } from "../../../lib/api-client";

export const ZAuditSearch = z.object({
  keyId: z.string().max(64).optional().catch(undefined),
  principalId: z.string().max(64).optional().catch(undefined),
  action: ZOperation.optional().catch(undefined),
  result: ZAuditResult.optional().catch(undefined),
});
export type AuditSearch = z.infer<typeof ZAuditSearch>;
export type TAuditPage = z.infer<typeof ZAuditPage>;

export const auditKeys = {
  all: (projectId: string) => ["audit", projectId] as const,
  list: (projectId: string, filters: AuditSearch) => [...auditKeys.all(projectId), filters] as const,
};

export function getAudit(
  projectId: string,
  f: AuditSearch,
  cursor?: string,
  signal?: AbortSignal,
): Promise<TAuditPage> {
  return apiGet("/api/audit", ZAuditPage, {
    query: {
      projectId,
      keyId: f.keyId,
      principalId: f.principalId,
      action: f.action,
      result: f.result,
      cursor,
      limit: 50,
    },
    signal,
  });
}

export const auditInfiniteQueryOptions = (projectId: string, filters: AuditSearch) =>
  infiniteQueryOptions({
    queryKey: auditKeys.list(projectId, filters),
    queryFn: ({ pageParam, signal }) => getAudit(projectId, filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const useAudit = (projectId: string, filters: AuditSearch, opts: { enabled?: boolean } = {}) =>
  useInfiniteQuery({ ...auditInfiniteQueryOptions(projectId, filters), enabled: opts.enabled ?? true });
