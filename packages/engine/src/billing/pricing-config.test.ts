import { describe, expect, it } from "vitest";
import { loadPricing, PricingConfigError } from "./pricing-config.js";

describe("loadPricing", () => {
  it("returns the documented defaults when nothing is set", () => {
    expect(loadPricing({})).toEqual({
      currency: "USD",
      keyVersionHourly: 0.001388,
      freeRequestsPerMonth: 20_000,
      requestPricePer10k: 0.03,
    });
  });

  it("applies the file, then the environment variables on top", () => {
    const files: Record<string, string> = {
      "/etc/kms/pricing.json": JSON.stringify({
        currency: "CNY",
        keyVersionHourly: 0.015458,
        requestPricePer10k: 0.6,
      }),
    };
    const pricing = loadPricing(
      {
        KMS_PRICING_FILE: "/etc/kms/pricing.json",
        KMS_FREE_REQUESTS: "10000",
        KMS_PRICE_PER_10K_REQUESTS: "0.5",
      },
      (path) => files[path]!,
    );
    expect(pricing).toEqual({
      currency: "CNY",
      keyVersionHourly: 0.015458,
      freeRequestsPerMonth: 10_000,
      requestPricePer10k: 0.5,
    });
    expect(loadPricing({ KMS_CURRENCY: "EUR", KMS_PRICE_KEY_VERSION_HOURLY: "1e-3" }).keyVersionHourly).toBe(
      0.001,
    );
  });

  it.each([
    [{ KMS_FREE_REQUESTS: "abc" }, /KMS_FREE_REQUESTS/],
    [{ KMS_FREE_REQUESTS: "1.5" }, /KMS_FREE_REQUESTS.*freeRequestsPerMonth/],
    [{ KMS_PRICE_PER_10K_REQUESTS: "-1" }, /KMS_PRICE_PER_10K_REQUESTS/],
    [{ KMS_PRICE_KEY_VERSION_HOURLY: "1abc" }, /KMS_PRICE_KEY_VERSION_HOURLY/],
  ])("refuses a bad variable with a clear error (%o)", (env, message) => {
    expect(() => loadPricing(env)).toThrow(PricingConfigError);
    expect(() => loadPricing(env)).toThrow(message);
  });

  it("refuses a bad file: unreadable, not JSON, unknown field, bad value, or no reader", () => {
    const env = { KMS_PRICING_FILE: "/p.json" };
    expect(() => loadPricing(env)).toThrow(/no file reader/);
    expect(() =>
      loadPricing(env, () => {
        throw new Error("ENOENT");
      }),
    ).toThrow(/ENOENT/);
    expect(() => loadPricing(env, () => "{")).toThrow(/not readable JSON/);
    expect(() => loadPricing(env, () => "[]")).toThrow(/JSON object/);
    expect(() => loadPricing(env, () => '{"keyVersionHourlyy": 1}')).toThrow(
      /unknown field.*keyVersionHourlyy/,
    );
    expect(() => loadPricing(env, () => '{"requestPricePer10k": "0.03"}')).toThrow(/requestPricePer10k/);
  });
});
