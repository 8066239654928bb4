import { CompiledQuery } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgresStore, writeInOneRoundTrip } from "./postgres.js";
import { describeStoreContract, makeKey, makeProject, makeVersion } from "./store.contract.js";
import type { FullStore } from "./store.js";
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
      async exec(sqlText, params) {
        await pool.query(sqlText, params);
      },
      param: (n) => `$${n}`,
      async cleanup() {
        await pool.end();
        await database.drop();
      },
    };
  });

  describe("PostgreSQL key epoch", () => {
    /** A store on a fresh database and a plain pool on it; both closed and the database dropped afterwards. */
    async function withStore(run: (store: FullStore, raw: pg.Pool) => Promise<void>): Promise<void> {
      const database = await createTestDatabase("kms_cache");
      const store = await openPostgresStore(database.url, { maxConnections: 4 });
      const raw = new pg.Pool({ connectionString: database.url, max: 1 });
      try {
        await run(store, raw);
      } finally {
        await Promise.all([store.close(), raw.end()]);
        await database.drop();
      }
    }

    it("moves the epoch when a key changes, not when one is created", () =>
      withStore(async (a, raw) => {
        const epoch = async () => Number((await raw.query("select value from key_epoch")).rows[0].value);
        const project = makeProject();
        await a.insertProject(project);
        const before = await epoch();
        const keys = Array.from({ length: 5 }, () => makeKey(project));
        for (const key of keys) await a.insertKey(key, makeVersion(key.id), 1000);
        expect(await epoch()).toBe(before);
        await a.updateKey(project.id, keys[0]!.id, {}, { description: "changed" });
        expect(await epoch()).toBe(before + 1);

        // Metering raises last_used_at once an hour; the flushes in between change no key row.
        const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
        const count = {
          projectId: project.id,
          domainId: project.domainId,
          keyId: keys[1]!.id,
          principalId: "u-1",
          operation: "encrypt-data" as const,
          hour,
          count: 3,
        };
        await a.recordUsage([count], []);
        expect(await epoch()).toBe(before + 2);
        await a.recordUsage([count], []);
        expect(await epoch()).toBe(before + 2);
      }));
  });

  describe("PostgreSQL one-round-trip writes (the metering flush)", () => {
    async function withTable(run: (pool: pg.Pool, rows: () => Promise<string[]>) => Promise<void>) {
      const database = await createTestDatabase("kms_flush");
      const pool = new pg.Pool({ connectionString: database.url, max: 2 });
      try {
        await pool.query("create table t (v text not null)");
        await run(pool, async () => (await pool.query("select v from t order by v")).rows.map((r) => r.v));
      } finally {
        await pool.end();
        await database.drop();
      }
    }
    const insert = (values: unknown[]) =>
      CompiledQuery.raw(
        "insert into t (v) select j.value ->> 0 from json_array_elements(cast($1 as json)) as j(value)",
        [JSON.stringify(values.map((v) => [v]))],
      );

    it("carries each statement's parameter exactly, whatever characters it holds", () =>
      withTable(async (pool, rows) => {
        const awkward = ["it's", "back\\slash", "$& $1 $$ $'", "new\nline", "ünïcödé"];
        await writeInOneRoundTrip(pool, [insert(awkward.slice(0, 2)), insert(awkward.slice(2))]);
        expect(await rows()).toEqual([...awkward].sort());
      }));

    it("writes all of its statements or none", () =>
      withTable(async (pool, rows) => {
        await expect(writeInOneRoundTrip(pool, [insert(["first"]), insert([null])])).rejects.toThrow();
        expect(await rows()).toEqual([]);
        await writeInOneRoundTrip(pool, [insert(["first"]), insert(["second"])]);
        expect(await rows()).toEqual(["first", "second"]);
      }));
  });
}
