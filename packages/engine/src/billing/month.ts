import type { TPricing } from "@kms/domain";
import type { BillLine, MonthSummary } from "../reports-api.js";
import { billedSeconds, hostingAmount } from "./hosting.js";
import { monthRange, round2, round6 } from "./money.js";
import { type RequestCharges, requestCharges } from "./requests.js";

export interface HostedVersionInput {
  projectId: string;
  keyId: string;
  alias: string;
  version: number;
  createdAt: Date;
  billedUntil: Date | null;
}

export interface MonthInput {
  month: string;
  /** Hosting is billed up to now in the current month (never in the future). */
  now: Date;
  pricing: TPricing;
  byKey: Array<{
    projectId: string;
    keyId: string;
    alias: string | null;
    isDefault: boolean;
    requests: number;
  }>;
  /** Custom key versions overlapping the month (the store's hostedVersions). */
  versions: HostedVersionInput[];
}

export interface MonthBill {
  month: string;
  requests: RequestCharges;
  hostingCharges: number;
  requestCharges: number;
  total: number;
  forecastTotal: number;
  lines: BillLine[];
  byKey: MonthSummary["byKey"];
}

const HOUR_MS = 3_600_000;

/**
 * The month's bill from its counters and hosted versions: one hosting line per custom key version
 * with billed time, one request line for the account, each rounded to 6 decimals; the total is
 * their sum rounded to 2 decimals. Request charges are shared among keys in proportion to their
 * requests (for the per-key view only; the bill has one request line).
 *
 * The forecast assumes the rest of the month goes like the part so far: versions billed now stay
 * billed to the month's end, and requests continue at the month's average rate so far (measured
 * over at least one hour, so a month's first minutes do not explode the projection).
 */
export function computeMonth(input: MonthInput): MonthBill {
  const range = monthRange(input.month);
  if (!range) throw new Error(`not a month: ${input.month}`);
  const { start, end } = range;
  const { pricing } = input;
  const billedTo = new Date(Math.max(start.getTime(), Math.min(input.now.getTime(), end.getTime())));

  const totalRequests = input.byKey.reduce((n, k) => n + k.requests, 0);
  const requests = requestCharges(totalRequests, pricing);

  const lines: BillLine[] = [];
  const hostingByKey = new Map<string, number>();
  let hostingSum = 0;
  let forecastHosting = 0;
  for (const v of input.versions) {
    forecastHosting += hostingAmount(billedSeconds(v, start, end), pricing);
    const seconds = billedSeconds(v, start, billedTo);
    if (seconds === 0) continue;
    const amount = hostingAmount(seconds, pricing);
    hostingSum += amount;
    hostingByKey.set(v.keyId, (hostingByKey.get(v.keyId) ?? 0) + amount);
    lines.push({
      kind: "hosting",
      description: `Key ${v.alias} (${v.keyId}) version ${v.version}: ${seconds} s hosted`,
      projectId: v.projectId,
      keyId: v.keyId,
      version: v.version,
      quantity: round6(seconds / 3600),
      unit: "hour",
      unitPrice: pricing.keyVersionHourly,
      amount,
    });
  }
  lines.push({
    kind: "requests",
    description: `API requests: ${totalRequests} in total, ${requests.freeUsed} of ${requests.freeQuota} free, ${requests.billableRequests} billable`,
    projectId: null,
    keyId: null,
    version: null,
    quantity: requests.billableRequests,
    unit: "request",
    unitPrice: requests.unitPrice,
    amount: requests.amount,
  });
  const hostingCharges = round6(hostingSum);
  const total = round2(hostingCharges + requests.amount);

  const elapsed = billedTo.getTime() - start.getTime();
  const monthLength = end.getTime() - start.getTime();
  const projectedRequests =
    elapsed >= monthLength
      ? totalRequests
      : Math.round((totalRequests * monthLength) / Math.max(elapsed, HOUR_MS));
  const forecastTotal =
    elapsed >= monthLength
      ? total
      : round2(round6(forecastHosting) + requestCharges(projectedRequests, pricing).amount);

  const byKey = new Map<string, MonthSummary["byKey"][number]>();
  for (const k of input.byKey) {
    byKey.set(k.keyId, {
      projectId: k.projectId,
      keyId: k.keyId,
      alias: k.alias,
      isDefault: k.isDefault,
      requests: k.requests,
      requestCharges: totalRequests > 0 ? round6((requests.amount * k.requests) / totalRequests) : 0,
      hostingCharges: 0,
    });
  }
  for (const v of input.versions) {
    const amount = hostingByKey.get(v.keyId);
    if (amount === undefined) continue;
    const row = byKey.get(v.keyId) ?? {
      projectId: v.projectId,
      keyId: v.keyId,
      alias: v.alias,
      isDefault: false,
      requests: 0,
      requestCharges: 0,
      hostingCharges: 0,
    };
    row.hostingCharges = round6(amount);
    byKey.set(v.keyId, row);
  }

  return {
    month: input.month,
    requests,
    hostingCharges,
    requestCharges: requests.amount,
    total,
    forecastTotal,
    lines,
    byKey: [...byKey.values()].sort(
      (a, b) =>
        b.requestCharges + b.hostingCharges - (a.requestCharges + a.hostingCharges) ||
        b.requests - a.requests ||
        (a.keyId < b.keyId ? -1 : 1),
    ),
  };
}
