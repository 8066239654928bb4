import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";
import { openPostgresStore } from "./postgres.js";
import { describeStoreContract } from "./store.contract.js";

const adminUrl = process.env.KMS_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const required = process.env.KMS_REQUIRE_POSTGRES === "1";

async function unreachableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${new URL(adminUrl).host} is unreachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const reason = await unreachableReason();

if (reason && required) {
  describe("PostgreSQL store contract", () => {
    it("needs PostgreSQL (KMS_REQUIRE_POSTGRES=1)", () => {
      throw new Error(reason);
    });
  });
} else if (reason) {
  console.warn(`Skipping the PostgreSQL store contract: ${reason}`);
  describe.skip("PostgreSQL store contract (skipped: PostgreSQL unreachable)", () => {
    it("runs when PostgreSQL is reachable", () => {});
  });
} else {
  describeStoreContract("PostgreSQL", async () => {
    const name = `kms_test_${randomBytes(6).toString("hex")}`;
    await admin((c) => c.query(`create database ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    return {
      open: () => openPostgresStore(url.toString(), { maxConnections: 8 }),
      async raw(sqlText, params) {
        return (await pool.query(sqlText, params)).rows as Array<Record<string, unknown>>;
      },
      param: (n) => `$${n}`,
      async cleanup() {
        await pool.end();
        await admin((c) => c.query(`drop database if exists ${name} with (force)`));
      },
    };
  });
}
