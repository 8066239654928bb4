import { postgresRequired, postgresUnreachable } from "@kms/store/testing";

export { createTestDatabase, type TestDatabase } from "@kms/store/testing";

/**
 * Whether PostgreSQL answers. When it does not: with KMS_REQUIRE_POSTGRES=1 (CI) that is a failure,
 * otherwise the PostgreSQL cases skip and say why.
 */
export async function postgresAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const reason = await postgresUnreachable();
  if (reason === undefined) return { ok: true };
  if (postgresRequired()) throw new Error(`${reason} (KMS_REQUIRE_POSTGRES=1)`);
  console.warn(`[e2e] skipping the PostgreSQL cases: ${reason}`);
  return { ok: false, reason };
}
