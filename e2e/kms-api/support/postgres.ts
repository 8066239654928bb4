import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the tests create their databases on (trust auth). */
const ADMIN_URL = process.env.KMS_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Whether PostgreSQL answers. When it does not: with KMS_REQUIRE_POSTGRES=1 (CI) that is a failure,
 * otherwise the PostgreSQL cases skip and say why.
 */
export async function postgresAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (e) {
    const reason = `PostgreSQL at ${redact(ADMIN_URL)} is unreachable: ${(e as Error).message}`;
    if (process.env.KMS_REQUIRE_POSTGRES === "1") throw new Error(`${reason} (KMS_REQUIRE_POSTGRES=1)`);
    console.warn(`[e2e] skipping the PostgreSQL cases: ${reason}`);
    return { ok: false, reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh database kms_e2e_<random>, dropped (with its connections) by drop(). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `kms_e2e_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const redact = (url: string): string => url.replace(/:\/\/([^:@/]+):[^@/]+@/, "://$1:***@");
