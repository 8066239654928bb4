import { useTranslation } from "react-i18next";
import { EmptyState, ErrorState, Loading } from "../../../components/ui/states";
import { formatDateTime, formatNumber } from "../../../lib/format";
import { useKeyDependents } from "../api/get-key-dependents";

export function DependentsTab({ projectId, keyId }: { projectId: string; keyId: string }) {
  const { t } = useTranslation();
  const deps = useKeyDependents(projectId, keyId);
  if (deps.isPending) return <Loading />;
  if (deps.isError) return <ErrorState error={deps.error} onRetry={() => void deps.refetch()} />;
  if (deps.data.items.length === 0) return <EmptyState title={t("dependents.none")} />;
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-slate-500">
        <tr>
          <th scope="col" className="py-1">
            {t("dependents.principal")}
          </th>
          <th scope="col">{t("dependents.kind")}</th>
          <th scope="col">{t("dependents.requests")}</th>
          <th scope="col">{t("dependents.operations")}</th>
          <th scope="col">{t("keys.col.lastUsed")}</th>
        </tr>
      </thead>
      <tbody>
        {deps.data.items.map((d) => (
          <tr key={d.principalId} className="border-t border-slate-100 dark:border-slate-800">
            <td className="py-1.5">{d.principalName}</td>
            <td>{t(`dependents.kindValue.${d.kind}`)}</td>
            <td className="tabular-nums">{formatNumber(d.requests)}</td>
            <td className="text-xs">{d.operations.join(", ")}</td>
            <td>{formatDateTime(d.lastUsedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
