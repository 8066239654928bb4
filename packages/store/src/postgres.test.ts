import pg from "pg";
import { describe, it } from "vitest";
import { openPostgresStore } from "./postgres.js";
import { describeStoreContract } from "./store.contract.js";
import { createTestDatabase, postgresRequired, postgresUnreachable } from "./testing/index.js";

const reason = await postgresUnreachable();
const required = postgresRequired();

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
    const database = await createTestDatabase("kms_test");
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    return {
      open: () => openPostgresStore(database.url, { maxConnections: 8 }),
      async raw(sqlText, params) {
        return (await pool.query(sqlText, params)).rows as Array<Record<string, unknown>>;
      },
      param: (n) => `$${n}`,
      async cleanup() {
        await pool.end();
        await database.drop();
      },
    };
  });
}
