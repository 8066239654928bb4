import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgresStore } from "./postgres.js";
import { audit, describeStoreContract, makeKey, makeProject, makeVersion } from "./store.contract.js";
import type { FullStore } from "./store.js";
import { createTestDatabase, postgresRequired, postgresUnreachable } from "./testing/index.js";
import { RECORD_USAGE_FUNCTION, usageFlush } from "./usage-writes.js";

/**
 * A plain pool for the tests' own queries. pool.end() resolves before its connections have closed,
 * and dropping the database (with force) may then terminate one; unheard, that 'error' event would
 * fail the run, though nothing is wrong.
 */
function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {});
  return pool;
}

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
    const pool = testPool(database.url, 2);
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

  /**
   * A store on a fresh database and a plain pool on it; both closed and the database dropped
   * afterwards. `reopen` opens another store on the same database (closed afterwards too).
   */
  async function withStore(
    run: (store: FullStore, raw: pg.Pool, reopen: () => Promise<FullStore>) => Promise<void>,
  ): Promise<void> {
    const database = await createTestDatabase("kms_pg");
    const stores = [await openPostgresStore(database.url, { maxConnections: 4 })];
    const raw = testPool(database.url, 1);
    const reopen = async () => {
      stores.push(await openPostgresStore(database.url, { maxConnections: 4 }));
      return stores.at(-1)!;
    };
    try {
      await run(stores[0]!, raw, reopen);
    } finally {
      await Promise.all([...stores.map((s) => s.close()), raw.end()]);
      await database.drop();
    }
  }

  describe("PostgreSQL key epoch", () => {
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

  describe("PostgreSQL metering flush function", () => {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const countOf = (projectId: string, domainId: string, keyId: string, count: number) => ({
      projectId,
      domainId,
      keyId,
      principalId: "u-1",
      operation: "encrypt-data" as const,
      hour,
      count,
    });
    const functionRow = async (raw: pg.Pool) =>
      (
        await raw.query("select oid, xmin::text as xmin, prosrc from pg_proc where proname = $1", [
          RECORD_USAGE_FUNCTION.name,
        ])
      ).rows;

    it("is installed once, and reinstalled by the next store that finds another version", () =>
      withStore(async (store, raw, reopen) => {
        const installed = await functionRow(raw);
        expect(installed).toHaveLength(1);
        expect(installed[0].prosrc).toBe(RECORD_USAGE_FUNCTION.body);
        await reopen();
        expect(await functionRow(raw)).toEqual(installed); // not replaced: the same row version

        // Another version (here one that writes nothing) is replaced by the next store to open.
        const { signature } = RECORD_USAGE_FUNCTION;
        await raw.query(`drop function ${signature}`);
        await raw.query(`create function ${signature} returns void language plpgsql as $$ begin end $$`);
        const project = makeProject();
        await store.insertProject(project);
        const key = makeKey(project);
        await store.insertKey(key, makeVersion(key.id), 1000);
        const other = await reopen();
        await other.recordUsage([countOf(project.id, project.domainId, key.id, 4)], []);
        expect(await other.sumUsage({ keyId: key.id })).toBe(4);
        expect((await functionRow(raw))[0].prosrc).toBe(RECORD_USAGE_FUNCTION.body);
      }));

    it("commits counts alone without waiting for the WAL flush in interval mode, and nothing else", async () => {
      const database = await createTestDatabase("kms_pg");
      const raw = testPool(database.url, 1);
      // One connection each, so a setting that outlived its transaction would show in the next one.
      const relaxed = await openPostgresStore(database.url, { maxConnections: 1, meteringSync: "interval" });
      const strict = await openPostgresStore(database.url, { maxConnections: 1 });
      try {
        // Records the synchronous_commit in force for each write to these tables.
        await raw.query("create table commit_modes (tbl text, mode text)");
        await raw.query(`create function record_commit_mode() returns trigger language plpgsql as $$
          begin insert into commit_modes values (tg_table_name, current_setting('synchronous_commit')); return null; end $$`);
        for (const table of ["usage_counts", "keys", "audit_events"])
          await raw.query(
            `create trigger record_commit_mode after insert or update on ${table} for each row execute function record_commit_mode()`,
          );
        const modes = async () => {
          const { rows } = await raw.query(
            "with gone as (delete from commit_modes returning tbl, mode) select distinct tbl, mode from gone",
          );
          return rows.map((r) => `${r.tbl} ${r.mode}`).sort();
        };
        const project = makeProject();
        await relaxed.insertProject(project);
        const key = makeKey(project);

        await relaxed.recordUsage([countOf(project.id, project.domainId, "", 2)], []);
        expect(await modes()).toEqual(["usage_counts off"]);
        // the same connection's next transactions: a key, and a batch with an audit event
        await relaxed.insertKey(key, makeVersion(key.id), 1000);
        await relaxed.recordUsage(
          [countOf(project.id, project.domainId, key.id, 1)],
          [audit(project, { keyId: key.id })],
        );
        expect(await modes()).toEqual(["audit_events on", "keys on", "usage_counts on"]);

        await strict.recordUsage([countOf(project.id, project.domainId, key.id, 4)], []);
        expect(await modes()).toEqual(["usage_counts on"]);
        expect(await strict.sumUsage({ projectId: project.id })).toBe(7);
      } finally {
        await Promise.all([relaxed.close(), strict.close(), raw.end()]);
        await database.drop();
      }
    });

    it("writes all of a flush's rows or none", () =>
      withStore(async (store, raw) => {
        const project = makeProject();
        await store.insertProject(project);
        const key = makeKey(project);
        await store.insertKey(key, makeVersion(key.id), 1000);
        // The flush the store would send, with one bad value in the last rollup it writes.
        const flush = (count: unknown) => {
          const [call] = usageFlush("postgres")({
            hourly: [[project.id, project.domainId, key.id, "u-1", "encrypt-data", hour.getTime(), 1]],
            daily: [],
            monthly: [],
            keyMonthly: [],
            principalMonthly: [],
            domainDaily: [],
            keyPrincipal: [[project.id, key.id, "u-1", "encrypt-data", count, hour.getTime()]],
            lastUsed: [],
          });
          return raw.query(call!.sql, [...call!.parameters]);
        };
        await expect(flush("not a number")).rejects.toThrow();
        expect(await store.sumUsage({ keyId: key.id })).toBe(0);
        await flush(1);
        expect(await store.sumUsage({ keyId: key.id })).toBe(1);
      }));
  });
}
