import { ZPricing } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { billedSeconds, hostingAmount, hourlyPeriods } from "./hosting.js";

const pricing = ZPricing.parse({});
const t = (iso: string) => new Date(`2025-03-01T${iso}Z`);
const DAY = { from: new Date("2025-03-01T00:00:00Z"), to: new Date("2025-03-02T00:00:00Z") };

describe("hosting", () => {
  it("bills Huawei's example by the second: 30 s in the 09:00 period and 2746 s in the 10:00 period", () => {
    const created = t("09:59:30");
    const deleted = t("10:45:46");
    expect(hourlyPeriods(created, deleted)).toEqual([
      { hour: t("09:00:00"), seconds: 30 },
      { hour: t("10:00:00"), seconds: 2746 },
    ]);
    const seconds = billedSeconds({ createdAt: created, billedUntil: deleted }, DAY.from, DAY.to);
    expect(seconds).toBe(2776);
    expect(hostingAmount(seconds, pricing)).toBe(0.00107);
  });

  it("bills nothing after deletion was scheduled, while pending deletion", () => {
    const span = { createdAt: t("00:00:00"), billedUntil: t("06:00:00") };
    expect(billedSeconds(span, t("06:00:00"), DAY.to)).toBe(0);
    expect(billedSeconds(span, DAY.from, DAY.to)).toBe(6 * 3600);
  });

  it("bills again from the scheduling time once a deletion is cancelled (billedUntil cleared)", () => {
    const scheduledAt = t("06:00:00");
    const pending = billedSeconds(
      { createdAt: t("00:00:00"), billedUntil: scheduledAt },
      DAY.from,
      t("12:00:00"),
    );
    const cancelled = billedSeconds({ createdAt: t("00:00:00"), billedUntil: null }, DAY.from, t("12:00:00"));
    expect(pending).toBe(6 * 3600);
    expect(cancelled).toBe(12 * 3600);
  });

  it("bills each version of a rotated key as a key of its own", () => {
    const v1 = billedSeconds({ createdAt: t("00:00:00"), billedUntil: null }, DAY.from, DAY.to);
    const v2 = billedSeconds({ createdAt: t("12:00:00"), billedUntil: null }, DAY.from, DAY.to);
    expect(v1 + v2).toBe(36 * 3600);
    expect(hostingAmount(v1, pricing) + hostingAmount(v2, pricing)).toBeCloseTo(36 * 0.001388, 9);
  });

  it("clips a span to the window, ignores started seconds, and never goes negative", () => {
    const span = { createdAt: new Date("2025-02-27T00:00:00Z"), billedUntil: null };
    expect(billedSeconds(span, DAY.from, DAY.to)).toBe(86_400);
    expect(
      billedSeconds({ createdAt: t("00:00:00.900"), billedUntil: t("00:00:01.100") }, DAY.from, DAY.to),
    ).toBe(1);
    expect(billedSeconds({ createdAt: DAY.to, billedUntil: null }, DAY.from, DAY.to)).toBe(0);
    expect(billedSeconds({ createdAt: t("05:00:00"), billedUntil: t("04:00:00") }, DAY.from, DAY.to)).toBe(0);
  });

  it("prices a whole hour at the hourly price and a 30-day month at about USD 1", () => {
    expect(hostingAmount(3600, pricing)).toBe(0.001388);
    expect(hostingAmount(30 * 86_400, pricing)).toBe(0.99936);
  });
});
