import { type TPricing, ZPricing } from "@kms/domain";

/**
 * Environment variables that override single prices (after the file):
 * KMS_PRICE_KEY_VERSION_HOURLY, KMS_FREE_REQUESTS, KMS_PRICE_PER_10K_REQUESTS, KMS_CURRENCY.
 */
const ENV_FIELDS = {
  KMS_PRICE_KEY_VERSION_HOURLY: "keyVersionHourly",
  KMS_FREE_REQUESTS: "freeRequestsPerMonth",
  KMS_PRICE_PER_10K_REQUESTS: "requestPricePer10k",
  KMS_CURRENCY: "currency",
} as const satisfies Record<string, keyof TPricing>;

const FIELDS = new Set<string>(Object.keys(ZPricing.shape));

export class PricingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PricingConfigError";
  }
}

/**
 * The prices in force: the domain defaults (Huawei's international key price, 20,000 free requests
 * a month per account, USD 0.03 per 10,000 further requests: Huawei's international request price
 * is unpublished in our sources, so AWS's is used), overridden by the JSON file named by
 * KMS_PRICING_FILE (a partial TPricing object), overridden by the single-price variables.
 * Throws PricingConfigError naming the source and field of any bad value.
 */
export function loadPricing(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): TPricing {
  let fromFile: Record<string, unknown> = {};
  const file = env.KMS_PRICING_FILE;
  if (file) {
    if (!readFile)
      throw new PricingConfigError(`KMS_PRICING_FILE is set (${file}) but no file reader was given`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(file));
    } catch (error) {
      throw new PricingConfigError(
        `KMS_PRICING_FILE ${file}: not readable JSON (${(error as Error).message})`,
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new PricingConfigError(`KMS_PRICING_FILE ${file}: expected a JSON object`);
    }
    const unknown = Object.keys(parsed).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0) {
      throw new PricingConfigError(
        `KMS_PRICING_FILE ${file}: unknown field(s) ${unknown.join(", ")} (known: ${[...FIELDS].join(", ")})`,
      );
    }
    fromFile = parsed as Record<string, unknown>;
    check(fromFile, `KMS_PRICING_FILE ${file}`);
  }

  const fromEnv: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(ENV_FIELDS)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    if (field === "currency") {
      fromEnv[field] = raw.trim();
      continue;
    }
    // Number("") and Number(" ") are 0, and parseFloat accepts "1abc": require a plain decimal.
    if (!/^\s*\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(raw)) {
      throw new PricingConfigError(`${name} must be a non-negative decimal number, got "${raw}"`);
    }
    fromEnv[field] = Number(raw);
    check({ [field]: fromEnv[field] }, name);
  }
  return ZPricing.parse({ ...fromFile, ...fromEnv });
}

function check(partial: Record<string, unknown>, source: string): void {
  const result = ZPricing.partial().safeParse(partial);
  if (result.success) return;
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new PricingConfigError(`${source}: invalid pricing (${issues.join("; ")})`);
}
