import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * PostgreSQL for tests (server at KMS_TEST_DATABASE_URL, trust auth by default): each suite
 * creates its own database and drops it. With KMS_REQUIRE_POSTGRES=1 (CI) an unreachable server is
 * a failure; otherwise the PostgreSQL cases skip and say why.
 */
export const POSTGRES_ADMIN_URL =
  process.env.KMS_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const postgresRequired = (): boolean => process.env.KMS_REQUIRE_POSTGRES === "1";

/** Why PostgreSQL cannot be used, or undefined when it answers. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host} is unreachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database and ends the connections still open to it. */
  drop(): Promise<void>;
}

/** A fresh database `<prefix>_<random>` on the test server. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}
