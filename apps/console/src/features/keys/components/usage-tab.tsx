import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { ErrorState, Loading } from "../../../components/ui/states";
import { formatDateTime, formatNumber } from "../../../lib/format";
import { useKeyUsage } from "../api/get-key-usage";

// Recharts is heavy: its own chunk, loaded when this tab first shows.
const KeyUsageChart = lazy(() => import("./key-usage-chart").then((m) => ({ default: m.KeyUsageChart })));

export function UsageTab({ projectId, keyId }: { projectId: string; keyId: string }) {
  const { t } = useTranslation();
  const usage = useKeyUsage(projectId, keyId);
  if (usage.isPending) return <Loading />;
  if (usage.isError) return <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />;
  const u = usage.data;
  const stats: [string, string][] = [
    [t("keys.col.requests"), formatNumber(u.requestsThisMonth)],
    [t("keys.col.lastUsed"), formatDateTime(u.lastUsedAt)],
    [t("usage.freeShare"), `${(u.freeQuotaShare * 100).toFixed(2)} %`],
    [t("usage.costThisMonth"), u.costThisMonth.toFixed(4)],
  ];
  return (
    <div className="flex flex-col gap-4">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stats.map(([label, value]) => (
          <div key={label} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="text-lg font-semibold tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      <section aria-label={t("usage.perDay")}>
        <h2 className="mb-2 text-sm font-medium">{t("usage.perDay")}</h2>
        {u.series.length === 0 ? (
          <p className="text-sm text-slate-500">{t("usage.noRequests")}</p>
        ) : (
          <Suspense fallback={<Loading />}>
            <KeyUsageChart series={u.series} />
          </Suspense>
        )}
      </section>
    </div>
  );
}
