import { ZPricing } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { requestCharges } from "./requests.js";

const pricing = ZPricing.parse({});

describe("request charges", () => {
  it.each([
    [0, 0, 0, 0],
    [19_999, 19_999, 0, 0],
    [20_000, 20_000, 0, 0],
    [20_001, 20_000, 1, 0.000003],
    [30_000, 20_000, 10_000, 0.03],
    [10_000_000, 20_000, 9_980_000, 29.94],
  ])("%i requests: %i free, %i billable, %f charged", (total, free, billable, amount) => {
    const r = requestCharges(total, pricing);
    expect(r).toMatchObject({
      totalRequests: total,
      freeQuota: 20_000,
      freeUsed: free,
      billableRequests: billable,
    });
    expect(r.amount).toBe(amount);
  });

  it("follows the configured quota and price", () => {
    const r = requestCharges(1500, ZPricing.parse({ freeRequestsPerMonth: 1000, requestPricePer10k: 1 }));
    expect(r).toMatchObject({ freeUsed: 1000, billableRequests: 500, unitPrice: 0.0001, amount: 0.05 });
  });
});
