import { ZPricing } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { computeMonth, type MonthInput } from "./month.js";

const pricing = ZPricing.parse({});
const MARCH_HOURS = 31 * 24;

const base = (overrides: Partial<MonthInput>): MonthInput => ({
  month: "2025-03",
  now: new Date("2025-04-02T00:00:00Z"),
  pricing,
  byKey: [],
  versions: [],
  ...overrides,
});

describe("computeMonth", () => {
  it("bills a full past month: a line per version, one request line, total rounded at the end", () => {
    const bill = computeMonth(
      base({
        byKey: [
          { projectId: "p", keyId: "a", alias: "a", isDefault: false, requests: 30_000 },
          { projectId: "p", keyId: "d", alias: "obs/default", isDefault: true, requests: 10_000 },
        ],
        versions: [
          {
            projectId: "p",
            keyId: "a",
            alias: "a",
            version: 1,
            createdAt: new Date("2025-01-01"),
            billedUntil: null,
          },
          {
            projectId: "p",
            keyId: "a",
            alias: "a",
            version: 2,
            createdAt: new Date("2025-03-16T00:00:00Z"),
            billedUntil: null,
          },
        ],
      }),
    );
    const hosting = bill.lines.filter((l) => l.kind === "hosting");
    expect(hosting.map((l) => [l.version, l.quantity, l.amount])).toEqual([
      [1, MARCH_HOURS, 1.032672],
      [2, 16 * 24, 0.532992],
    ]);
    expect(bill.requests).toMatchObject({ totalRequests: 40_000, billableRequests: 20_000 });
    expect(bill.requestCharges).toBe(0.06);
    expect(bill.hostingCharges).toBe(1.565664);
    expect(bill.total).toBe(1.63);
    expect(bill.forecastTotal).toBe(bill.total);
    const a = bill.byKey.find((k) => k.keyId === "a")!;
    const d = bill.byKey.find((k) => k.keyId === "d")!;
    expect(a).toMatchObject({ requests: 30_000, requestCharges: 0.045, hostingCharges: 1.565664 });
    expect(d).toMatchObject({ isDefault: true, requestCharges: 0.015, hostingCharges: 0 });
  });

  it("bills the current month up to now and forecasts the rest at the same pace", () => {
    const bill = computeMonth(
      base({
        now: new Date("2025-03-11T00:00:00Z"), // 10 of 31 days
        byKey: [{ projectId: "p", keyId: "a", alias: "a", isDefault: false, requests: 100_000 }],
        versions: [
          {
            projectId: "p",
            keyId: "a",
            alias: "a",
            version: 1,
            createdAt: new Date("2025-01-01"),
            billedUntil: null,
          },
          {
            projectId: "p",
            keyId: "b",
            alias: "b",
            version: 1,
            createdAt: new Date("2025-01-01"),
            billedUntil: new Date("2025-03-06T00:00:00Z"),
          },
        ],
      }),
    );
    expect(bill.lines.filter((l) => l.kind === "hosting").map((l) => l.quantity)).toEqual([240, 120]);
    expect(bill.requestCharges).toBe(0.24);
    // Forecast: a bills all 744 h, b stays stopped at 120 h; 310,000 requests projected.
    const forecastHosting = (744 + 120) * 0.001388;
    const forecastRequests = ((310_000 - 20_000) * 0.03) / 10_000;
    expect(bill.forecastTotal).toBe(Math.round((forecastHosting + forecastRequests) * 100) / 100);
  });

  it("leaves out versions with no billed time and bills nothing for a future month", () => {
    const bill = computeMonth(
      base({
        now: new Date("2025-02-15T00:00:00Z"),
        versions: [
          {
            projectId: "p",
            keyId: "a",
            alias: "a",
            version: 1,
            createdAt: new Date("2025-01-01"),
            billedUntil: null,
          },
        ],
      }),
    );
    expect(bill.lines).toHaveLength(1);
    expect(bill.total).toBe(0);
    expect(() => computeMonth(base({ month: "2025-13" }))).toThrow();
  });
});
