import {
  type TCaller,
  type TKey,
  type TOperation,
  type TPricing,
  type TServiceCode,
  ZPricing,
} from "@kms/domain";
import type { KeyRef } from "./api.js";
import { monthOf, monthRange, round6 } from "./billing/money.js";
import { computeMonth, type MonthBill } from "./billing/month.js";
import { KmsError } from "./errors.js";
import { parseKeyRef } from "./keys/resolve.js";
import type { Clock, KmsStore } from "./ports.js";
import type { AuditFeedStore, UsageReportStore } from "./report-ports.js";
import type { BillLine, KeyDependent, KeyUsageReport, KmsReports, MonthSummary } from "./reports-api.js";

export type ReportsStore = KmsStore & UsageReportStore & AuditFeedStore;

export interface ReportsOptions {
  store: ReportsStore;
  clock: Clock;
  pricing?: Partial<TPricing>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Most points a usage series may have (hour: about 83 days; day: about 5 years). */
export const MAX_SERIES_POINTS = 2000;
/** Audit events per feed poll. */
const FEED_LIMIT = 100;

/** Reports are for console users (admin and viewer); services may not read them. */
function requireUser(caller: TCaller): void {
  if (caller.principal.kind !== "user") throw new KmsError("KMS.0306");
}

function parseMonth(month: string): { start: Date; end: Date } {
  const range = monthRange(month);
  if (!range) throw new KmsError("KMS.0308", `month must be YYYY-MM, got "${month.slice(0, 20)}"`);
  return range;
}

/**
 * Usage, dependents, month summaries and bills for the console. Every figure comes from the
 * store's counters and rollups (UsageReportStore), so a report costs the same however many
 * requests were made; pricing arithmetic is in ./billing (pure functions).
 */
export function createReports(options: ReportsOptions): KmsReports {
  const { store, clock } = options;
  const pricing = ZPricing.parse(options.pricing ?? {});

  const findKey = async (caller: TCaller, ref: KeyRef): Promise<TKey> => {
    const parsed = parseKeyRef(ref);
    const key =
      parsed.kind === "id"
        ? await store.getKey(caller.projectId, parsed.keyId)
        : await store.getDefaultKey(caller.projectId, parsed.entry.service);
    if (!key) throw new KmsError("KMS.0207");
    return key;
  };

  const bill = async (domainId: string, month: string): Promise<{ bill: MonthBill; usage: MonthUsage }> => {
    const { start, end } = parseMonth(month);
    const [usage, versions] = await Promise.all([
      store.monthUsage(domainId, month),
      store.hostedVersions(domainId, start, end),
    ]);
    return { bill: computeMonth({ month, now: clock.now(), pricing, byKey: usage.byKey, versions }), usage };
  };

  return {
    async keyUsage(caller, ref, range): Promise<KeyUsageReport> {
      requireUser(caller);
      const { from, to, granularity } = range;
      const step = granularity === "hour" ? HOUR_MS : DAY_MS;
      if (!(from.getTime() < to.getTime())) throw new KmsError("KMS.0308", "from must be before to");
      const first = Math.floor(from.getTime() / step) * step;
      const periods = Math.ceil((to.getTime() - first) / step);
      if (periods > MAX_SERIES_POINTS) {
        throw new KmsError("KMS.0308", `at most ${MAX_SERIES_POINTS} ${granularity} points per series`);
      }
      const key = await findKey(caller, ref);
      const month = monthOf(clock.now());
      const [rows, thisMonth, monthBill] = await Promise.all([
        store.keyUsageSeries(caller.projectId, key.id, from, to, granularity),
        store.keyRequestsInMonth(caller.projectId, [key.id], month),
        bill(caller.domainId, month),
      ]);
      // Dense series: every period of the range, zero where nothing was counted.
      const byOperation = new Map<TOperation, number[]>();
      for (const r of rows) {
        const index = Math.round((r.period.getTime() - first) / step);
        if (index < 0 || index >= periods) continue;
        const counts = byOperation.get(r.operation) ?? new Array<number>(periods).fill(0);
        counts[index] = (counts[index] ?? 0) + r.count;
        byOperation.set(r.operation, counts);
      }
      const series = [...byOperation]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([operation, counts]) => ({
          operation,
          points: counts.map((count, i) => ({ time: new Date(first + i * step), count })),
        }));
      const requestsThisMonth = thisMonth.get(key.id) ?? 0;
      const { requests } = monthBill.bill;
      const keyShare = requests.totalRequests > 0 ? requestsThisMonth / requests.totalRequests : 0;
      const line = monthBill.bill.byKey.find((k) => k.keyId === key.id);
      return {
        keyId: key.id,
        granularity,
        from,
        to,
        series,
        lastUsedAt: key.lastUsedAt,
        requestsThisMonth,
        freeQuotaShare:
          requests.freeQuota > 0 ? Math.min(1, (keyShare * requests.freeUsed) / requests.freeQuota) : 0,
        costThisMonth: line ? round6(line.requestCharges + line.hostingCharges) : 0,
      };
    },

    async keyDependents(caller, ref): Promise<KeyDependent[]> {
      requireUser(caller);
      const key = await findKey(caller, ref);
      const rows = await store.keyDependents(caller.projectId, key.id);
      const principals = await Promise.all(rows.map((r) => store.getPrincipal(r.principalId)));
      return rows.map((r, i) => {
        const p = principals[i]?.principal;
        return {
          principalId: r.principalId,
          // Housekeeping ("system") and deleted principals have no record: shown by their ID.
          principalName: p?.name ?? r.principalId,
          kind: p?.kind ?? "user",
          service: p?.kind === "service" ? p.service : null,
          requests: r.requests,
          operations: r.operations,
          lastUsedAt: r.lastUsedHour,
        };
      });
    },

    async requestsThisMonth(caller, keyIds) {
      requireUser(caller);
      return store.keyRequestsInMonth(caller.projectId, keyIds, monthOf(clock.now()));
    },

    async monthSummary(caller, month): Promise<MonthSummary> {
      requireUser(caller);
      const { bill: b, usage } = await bill(caller.domainId, month);
      const principals = await Promise.all(usage.byPrincipal.map((p) => store.getPrincipal(p.principalId)));
      return {
        month,
        currency: pricing.currency,
        totalRequests: b.requests.totalRequests,
        freeQuota: b.requests.freeQuota,
        freeUsed: b.requests.freeUsed,
        billableRequests: b.requests.billableRequests,
        requestCharges: b.requestCharges,
        hostingCharges: b.hostingCharges,
        total: b.total,
        forecastTotal: b.forecastTotal,
        // The figures above are the account's (the free quota is per account); keys only the project's.
        byKey: b.byKey.filter((k) => k.projectId === caller.projectId),
        byService: usage.byPrincipal.map((p, i) => {
          const principal = principals[i]?.principal;
          return {
            principalId: p.principalId,
            principalName: principal?.name ?? p.principalId,
            service: principal?.kind === "service" ? (principal.service as TServiceCode) : null,
            requests: p.requests,
          };
        }),
        daily: usage.daily,
      };
    },

    async bill(caller, month) {
      requireUser(caller);
      const { bill: b } = await bill(caller.domainId, month);
      return {
        month,
        currency: pricing.currency,
        lines: projectLines(b.lines, caller.projectId),
        total: b.total,
      };
    },

    async auditFeed(caller, after) {
      requireUser(caller);
      return store.auditAfter(caller.projectId, after, FEED_LIMIT);
    },
  };
}

type MonthUsage = Awaited<ReturnType<UsageReportStore["monthUsage"]>>;

/**
 * The account's bill as one project's users see it: the total and the request line stay the
 * account's, but the other projects' hosting lines (which name their keys) become one line.
 */
function projectLines(lines: readonly BillLine[], projectId: string): BillLine[] {
  const own = lines.filter((l) => l.kind === "requests" || l.projectId === projectId);
  const others = lines.filter((l) => l.kind === "hosting" && l.projectId !== projectId);
  if (others.length === 0) return own;
  const hosting = own.filter((l) => l.kind === "hosting");
  const requests = own.filter((l) => l.kind === "requests");
  return [
    ...hosting,
    {
      kind: "hosting",
      description: `Key hosting in the account's other projects: ${others.length} key versions`,
      projectId: null,
      keyId: null,
      version: null,
      quantity: round6(others.reduce((n, l) => n + l.quantity, 0)),
      unit: "hour",
      unitPrice: others[0]?.unitPrice ?? 0,
      amount: round6(others.reduce((n, l) => n + l.amount, 0)),
    },
    ...requests,
  ];
}
