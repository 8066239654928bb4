import {
  ZBill,
  ZDependentsResponse,
  ZKeyIdParams,
  ZKeyUsageParams,
  ZKeyUsageSeries,
  ZMonthParams,
  ZServiceCode,
  ZUsageSummary,
} from "@kms/domain";
import type { AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import type { Api } from "../middleware/validate.js";
import { callerFor } from "../session/callers.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Widest ranges a chart may ask for: the cost grows with the number of periods. */
const MAX_SPAN_MS = { hour: 31 * DAY_MS, day: 400 * DAY_MS } as const;

export const currentMonth = (now: Date): string => now.toISOString().slice(0, 7);

const serviceOrNull = (s: string | null) => {
  const parsed = ZServiceCode.safeParse(s);
  return parsed.success ? parsed.data : null;
};

export function registerUsageRoutes(api: Api, deps: AppDeps): void {
  const { reports } = deps;
  const tag = "usage";

  api.add(
    {
      method: "get",
      path: "/api/keys/:id/usage",
      summary: "Requests per operation over time for one key",
      tag,
      auth: "session",
      params: ZKeyIdParams,
      query: ZKeyUsageParams,
      response: ZKeyUsageSeries,
    },
    async ({ session, params, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const to = query.to ? new Date(query.to) : deps.clock.now();
      const from = query.from
        ? new Date(query.from)
        : new Date(to.getTime() - (query.granularity === "day" ? 30 * DAY_MS : 48 * HOUR_MS));
      if (from.getTime() >= to.getTime()) {
        throw new AppError("KMS.0308", "`from` must be before `to`.", { "query.from": "must be before to" });
      }
      if (to.getTime() - from.getTime() > MAX_SPAN_MS[query.granularity]) {
        throw new AppError("KMS.0308", `The range is too wide for granularity ${query.granularity}.`, {
          "query.from": "range too wide",
        });
      }
      const r = await reports.keyUsage(caller, params.id, { from, to, granularity: query.granularity });
      return {
        keyId: r.keyId,
        granularity: r.granularity,
        from: r.from.toISOString(),
        to: r.to.toISOString(),
        series: r.series.map((s) => ({
          operation: s.operation,
          points: s.points.map((p) => ({ time: p.time.toISOString(), count: p.count })),
        })),
        lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
        requestsThisMonth: r.requestsThisMonth,
        freeQuotaShare: r.freeQuotaShare,
        costThisMonth: r.costThisMonth,
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/keys/:id/dependents",
      summary: "Which services and users have used the key (before disabling or deleting it)",
      tag,
      auth: "session",
      params: ZKeyIdParams,
      query: ZMonthParams.pick({ projectId: true }),
      response: ZDependentsResponse,
    },
    async ({ session, params, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const items = await reports.keyDependents(caller, params.id);
      return {
        items: items.map((d) => ({
          principalId: d.principalId,
          principalName: d.principalName,
          kind: d.kind,
          service: serviceOrNull(d.service),
          requests: d.requests,
          lastUsedAt: d.lastUsedAt.toISOString(),
          operations: d.operations,
        })),
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/usage",
      summary: "The account's month: requests, free quota, charges, forecast, by key, by service, by day",
      tag,
      auth: "session",
      query: ZMonthParams,
      response: ZUsageSummary,
    },
    async ({ session, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const s = await reports.monthSummary(caller, query.month ?? currentMonth(deps.clock.now()));
      // The response schema is the allow-list: projectId per key and other internals are dropped.
      return {
        ...s,
        byService: s.byService.map((b) => ({
          principal: b.principalName,
          service: serviceOrNull(b.service),
          requests: b.requests,
        })),
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/billing",
      summary: "The month's bill lines: hosting per key version, requests beyond the free quota",
      tag,
      auth: "session",
      query: ZMonthParams,
      response: ZBill,
    },
    async ({ session, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      return reports.bill(caller, query.month ?? currentMonth(deps.clock.now()));
    },
  );
}
