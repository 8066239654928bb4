import { ZAuditResult, ZOperation } from "@kms/domain";
import { Link } from "@tanstack/react-router";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../../components/ui/badge";
import { Button } from "../../../components/ui/button";
import { inputClass } from "../../../components/ui/field";
import { EmptyState, ErrorState, Loading } from "../../../components/ui/states";
import { formatDateTime } from "../../../lib/format";
import { type AuditSearch, useAudit } from "../api/get-audit";

/** Audit events, paged by cursor; the filters are optional (the key detail fixes keyId). */
export function AuditTable({
  projectId,
  filters,
  onFiltersChange,
}: {
  projectId: string;
  filters: AuditSearch;
  onFiltersChange?: (patch: Partial<AuditSearch>) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const audit = useAudit(projectId, filters);
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="flex flex-col gap-3">
      {onFiltersChange && (
        <div className="flex flex-wrap items-end gap-3">
          <label htmlFor={`${id}-action`} className="flex flex-col gap-1 text-xs font-medium">
            {t("audit.action")}
            <select
              id={`${id}-action`}
              className={inputClass}
              value={filters.action ?? ""}
              onChange={(e) => {
                const a = ZOperation.safeParse(e.target.value);
                onFiltersChange({ action: a.success ? a.data : undefined });
              }}
            >
              <option value="">{t("audit.allActions")}</option>
              {ZOperation.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={`${id}-result`} className="flex flex-col gap-1 text-xs font-medium">
            {t("audit.result")}
            <select
              id={`${id}-result`}
              className={inputClass}
              value={filters.result ?? ""}
              onChange={(e) => {
                const r = ZAuditResult.safeParse(e.target.value);
                onFiltersChange({ result: r.success ? r.data : undefined });
              }}
            >
              <option value="">{t("audit.allResults")}</option>
              {ZAuditResult.options.map((o) => (
                <option key={o} value={o}>
                  {t(`audit.resultValue.${o}`)}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={`${id}-key`} className="flex flex-col gap-1 text-xs font-medium">
            {t("audit.keyId")}
            <input
              id={`${id}-key`}
              className={`${inputClass} w-80 font-mono`}
              defaultValue={filters.keyId ?? ""}
              onBlur={(e) => onFiltersChange({ keyId: e.target.value.trim() || undefined })}
            />
          </label>
        </div>
      )}
      {audit.isPending ? (
        <Loading />
      ) : audit.isError ? (
        <ErrorState error={audit.error} onRetry={() => void audit.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title={t("audit.empty")} />
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="py-1">
                {t("audit.time")}
              </th>
              <th scope="col">{t("audit.principal")}</th>
              <th scope="col">{t("audit.action")}</th>
              <th scope="col">{t("audit.key")}</th>
              <th scope="col">{t("audit.result")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1.5 whitespace-nowrap">{formatDateTime(e.time)}</td>
                <td>{e.principalName}</td>
                <td className="font-mono text-xs">{e.action}</td>
                <td className="font-mono text-xs">
                  {e.keyId ? (
                    <Link
                      to="/keys/$keyId"
                      params={{ keyId: e.keyId }}
                      className="text-blue-700 hover:underline dark:text-blue-400"
                    >
                      {e.keyId}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td>
                  <Badge tone={e.result === "success" ? "green" : "red"}>
                    {t(`audit.resultValue.${e.result}`)}
                  </Badge>
                  {e.errorCode && (
                    <span className="ml-1 font-mono text-xs text-slate-500">{e.errorCode}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {audit.hasNextPage && (
        <div className="flex justify-center">
          <Button onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {t("keys.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}
