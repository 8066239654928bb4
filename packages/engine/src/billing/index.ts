export { type BilledSpan, billedSeconds, hostingAmount, hourlyPeriods } from "./hosting.js";
export { monthOf, monthRange, round2, round6 } from "./money.js";
export { computeMonth, type HostedVersionInput, type MonthBill, type MonthInput } from "./month.js";
export { loadPricing, PricingConfigError } from "./pricing-config.js";
export { type RequestCharges, requestCharges } from "./requests.js";
