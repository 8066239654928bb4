import type { TPricing } from "@kms/domain";
import { round6 } from "./money.js";

export interface RequestCharges {
  totalRequests: number;
  freeQuota: number;
  /** Free requests used (at most the quota). */
  freeUsed: number;
  billableRequests: number;
  /** Price of one request beyond the quota. */
  unitPrice: number;
  amount: number;
}

/**
 * The account's request charges for a month: the first `freeRequestsPerMonth` requests are free
 * (per domain, per calendar month in UTC); every further request costs a 10,000th of the
 * price per 10,000 (prorated per request rather than in blocks of 10,000).
 */
export function requestCharges(totalRequests: number, pricing: TPricing): RequestCharges {
  const freeQuota = pricing.freeRequestsPerMonth;
  const freeUsed = Math.min(totalRequests, freeQuota);
  const billableRequests = totalRequests - freeUsed;
  const unitPrice = pricing.requestPricePer10k / 10_000;
  return {
    totalRequests,
    freeQuota,
    freeUsed,
    billableRequests,
    unitPrice,
    amount: round6((billableRequests * pricing.requestPricePer10k) / 10_000),
  };
}
