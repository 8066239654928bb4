export * from "./api.js";
export {
  type BilledSpan,
  billedSeconds,
  computeMonth,
  type HostedVersionInput,
  hostingAmount,
  hourlyPeriods,
  loadPricing,
  type MonthBill,
  type MonthInput,
  monthOf,
  monthRange,
  PricingConfigError,
  type RequestCharges,
  requestCharges,
  round2,
  round6,
} from "./billing/index.js";
export * from "./errors.js";
export { createKms } from "./kms.js";
export * from "./ports.js";
export * from "./report-ports.js";
export { createReports, MAX_SERIES_POINTS, type ReportsOptions, type ReportsStore } from "./reports.js";
export * from "./reports-api.js";
export { createRootKey, systemClock, systemRandom } from "./root-key.js";
