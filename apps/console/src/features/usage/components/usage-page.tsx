import { Link } from "@tanstack/react-router";
import { Download } from "lucide-react";
import { lazy, Suspense, useId } from "react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../../components/ui/badge";
import { inputClass } from "../../../components/ui/field";
import { EmptyState, ErrorState, Loading } from "../../../components/ui/states";
import { formatMoney, formatNumber } from "../../../lib/format";
import { usageCsvUrl, useUsage } from "../api/get-usage";

const DailyChart = lazy(() => import("./daily-chart").then((m) => ({ default: m.DailyChart })));

export function UsagePage({
  projectId,
  month,
  onMonthChange,
}: {
  projectId: string;
  month: string | undefined;
  onMonthChange: (month: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const usage = useUsage(projectId, month);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-xl font-semibold">{t("usage.title")}</h1>
        <div className="flex items-end gap-3">
          <label htmlFor={`${id}-month`} className="flex flex-col gap-1 text-xs font-medium">
            {t("usage.month")}
            <input
              id={`${id}-month`}
              type="month"
              className={inputClass}
              value={month ?? usage.data?.month ?? ""}
              onChange={(e) => onMonthChange(e.target.value || undefined)}
            />
          </label>
          <a
            href={usageCsvUrl(projectId, month)}
            download
            className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800"
          >
            <Download size={14} aria-hidden />
            {t("usage.exportCsv")}
          </a>
        </div>
      </div>
      {usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
      ) : (
        <UsageBody data={usage.data} />
      )}
    </div>
  );
}

function UsageBody({ data }: { data: NonNullable<ReturnType<typeof useUsage>["data"]> }) {
  const { t } = useTranslation();
  const money = (n: number) => formatMoney(n, data.currency);
  const share = data.freeQuota > 0 ? Math.min(1, data.freeUsed / data.freeQuota) : 0;
  const cards: [string, string][] = [
    [t("usage.totalRequests"), formatNumber(data.totalRequests)],
    [t("usage.billable"), formatNumber(data.billableRequests)],
    [t("usage.requestCharges"), money(data.requestCharges)],
    [t("usage.hostingCharges"), money(data.hostingCharges)],
    [t("usage.total"), money(data.total)],
    [t("usage.forecast"), money(data.forecastTotal)],
  ];
  return (
    <>
      <p className="text-sm text-slate-600 dark:text-slate-300">{t("usage.accountWide")}</p>
      <section
        aria-label={t("usage.freeQuota")}
        className="rounded-md border border-slate-200 p-4 dark:border-slate-700"
      >
        <div className="mb-2 flex justify-between text-sm">
          <span className="font-medium">{t("usage.freeQuota")}</span>
          <span className="tabular-nums">
            {formatNumber(data.freeUsed)} / {formatNumber(data.freeQuota)}
          </span>
        </div>
        <meter
          className="sr-only"
          aria-label={t("usage.freeQuota")}
          min={0}
          max={data.freeQuota}
          value={data.freeUsed}
        />
        <div aria-hidden className="h-3 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
          <div
            className={`h-full ${share >= 1 ? "bg-red-600" : share > 0.8 ? "bg-amber-500" : "bg-green-600"}`}
            style={{ width: `${(share * 100).toFixed(1)}%` }}
          />
        </div>
      </section>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
        {cards.map(([label, value]) => (
          <div key={label} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="text-lg font-semibold tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      <section aria-label={t("usage.daily")}>
        <h2 className="mb-2 text-sm font-medium">{t("usage.daily")}</h2>
        {data.daily.length === 0 ? (
          <p className="text-sm text-slate-500">{t("usage.noRequests")}</p>
        ) : (
          <Suspense fallback={<Loading />}>
            <DailyChart daily={data.daily} />
          </Suspense>
        )}
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-label={t("usage.byKey")}>
          <h2 className="mb-2 text-sm font-medium">{t("usage.byKey")}</h2>
          {data.byKey.length === 0 ? (
            <EmptyState title={t("usage.noRequests")} />
          ) : (
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th scope="col">{t("keys.col.alias")}</th>
                  <th scope="col">{t("usage.requests")}</th>
                  <th scope="col">{t("usage.requestCharges")}</th>
                  <th scope="col">{t("usage.hostingCharges")}</th>
                </tr>
              </thead>
              <tbody>
                {data.byKey.map((k) => (
                  <tr key={k.keyId} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="py-1.5">
                      {/* Requests that name no key (create-key, list-keys…) come with an empty keyId. */}
                      {k.keyId ? (
                        <Link
                          to="/keys/$keyId"
                          params={{ keyId: k.keyId }}
                          className="text-blue-700 hover:underline dark:text-blue-400"
                        >
                          {k.alias || k.keyId}
                        </Link>
                      ) : (
                        <span className="text-slate-600 dark:text-slate-300">{t("usage.noKey")}</span>
                      )}{" "}
                      {k.isDefault && <Badge tone="blue">{t("keys.type.default")}</Badge>}
                    </td>
                    <td className="tabular-nums">{formatNumber(k.requests)}</td>
                    <td className="tabular-nums">{money(k.requestCharges)}</td>
                    <td className="tabular-nums">{money(k.hostingCharges)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-label={t("usage.byService")}>
          <h2 className="mb-2 text-sm font-medium">{t("usage.byService")}</h2>
          {data.byService.length === 0 ? (
            <EmptyState title={t("usage.noRequests")} />
          ) : (
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th scope="col">{t("usage.principal")}</th>
                  <th scope="col">{t("usage.requests")}</th>
                </tr>
              </thead>
              <tbody>
                {data.byService.map((s) => (
                  <tr key={s.principal} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="py-1.5">
                      {s.principal}{" "}
                      {s.service && <span className="text-xs text-slate-500 uppercase">({s.service})</span>}
                    </td>
                    <td className="tabular-nums">{formatNumber(s.requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}
