import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { createKeyCache, type KeyLookup, type KeyWithVersion, perTurn } from "./key-cache.js";
import type { Database } from "./schema.js";
import { createKyselyStore, type FullStore } from "./store.js";
import type { MeteringSync } from "./usage-journal.js";
import { RECORD_USAGE_FUNCTION } from "./usage-writes.js";

const INT8_OID = 20;

/** int8 (bigint: times, counts) as number, so both dialects hand back the same types. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PostgresStoreOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  /**
   * How a batch of counts alone is committed (default "batch"): "batch" waits for the server's WAL
   * flush like every other commit; "interval" commits it with synchronous_commit off, so that a
   * crash of the database server or its machine can lose the last fraction of a second of counts
   * (the WAL writer flushes within 3 × wal_writer_delay), while a crash of the KMS process loses
   * nothing acknowledged. Keys, their changes and audit events always wait for the flush.
   */
  meteringSync?: MeteringSync;
}

/** Opens the PostgreSQL store at `url` and brings its schema up to date. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<FullStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types });
  // The server may end an idle connection (restart, failover, pg_terminate_backend). pg reports it
  // on the pool, and an unheard 'error' event would crash the process; the pool just replaces it.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const store = createKyselyStore(db, "postgres", {
    write: (statements) => writePrepared(pool, statements, options.meteringSync === "interval"),
  });
  try {
    await store.migrate();
    await installRecordUsage(pool);
  } catch (error) {
    await store.close();
    throw error;
  }
  const keys = createKeyCache();
  // One read of the key epoch answers for all the lookups of a turn: one round trip instead of one
  // key query each, sent after all of them were asked for, so it sees every change committed before.
  const lookups = perTurn<KeyLookup, KeyWithVersion | undefined>((batch) => {
    const epoch = pool
      .query<{ value: number }>("select value from key_epoch where id = 1")
      .then(({ rows }) => rows[0]!.value);
    return batch.map(async ({ projectId, keyId, version }) => {
      const at = keys.observe(await epoch);
      const hit = keys.get(projectId, keyId, version);
      if (hit) return hit;
      const found = await store.getKeyWithVersion(projectId, keyId, version);
      if (found) keys.put(at, projectId, keyId, version, found);
      return found;
    });
  });
  return {
    ...store,
    getKeyWithVersion: (projectId, keyId, version) => lookups({ projectId, keyId, version }),
  };
}

/** Serializes installs of the flush function by stores opening at once (any constant of our own). */
const INSTALL_LOCK = 7_301_221_115_001;

/**
 * Installs the metering flush's function (RECORD_USAGE_FUNCTION) unless the database already holds
 * this very version of it. It belongs to the code, not to a migration, so a store always writes
 * with the statements it was built with.
 */
async function installRecordUsage(pool: pg.Pool): Promise<void> {
  const { name, arity, body, signature, create } = RECORD_USAGE_FUNCTION;
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [INSTALL_LOCK]);
    const { rows } = await client.query<{ prosrc: string }>(
      "select prosrc from pg_proc where proname = $1 and pronargs = $2 and pronamespace = current_schema()::regnamespace",
      [name, arity],
    );
    if (rows[0]?.prosrc !== body) {
      // Dropped first: CREATE OR REPLACE cannot rename parameters. Other sessions keep seeing the
      // old version until this transaction commits.
      await client.query(`drop function if exists ${signature}`);
      await client.query(create);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Prepared statement names by SQL text: pg prepares a named statement once per connection. */
const preparedNames = new Map<string, string>();

/**
 * The metering flush, one statement in its own implicit transaction, sent as a named prepared
 * statement so that the server does not parse it again on every flush. With `asyncCommit`, the same
 * statement also sets synchronous_commit off for its transaction, which the commit then obeys.
 */
async function writePrepared(
  pool: pg.Pool,
  statements: readonly CompiledQuery[],
  asyncCommit: boolean,
): Promise<void> {
  if (statements.length !== 1 || !statements[0]!.sql.startsWith("select "))
    throw new Error("the PostgreSQL flush is one select");
  const [{ sql: call, parameters }] = statements as [CompiledQuery];
  const sql = asyncCommit
    ? call.replace(/^select /, "select set_config('synchronous_commit', 'off', true), ")
    : call;
  let name = preparedNames.get(sql);
  if (!name) {
    name = `kms_flush_${preparedNames.size + 1}`;
    preparedNames.set(sql, name);
  }
  await pool.query({ name, text: sql, values: [...parameters] });
}
