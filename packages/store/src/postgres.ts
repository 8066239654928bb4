import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { createKeyCache, type KeyLookup, type KeyWithVersion, perTurn } from "./key-cache.js";
import type { Database } from "./schema.js";
import { createKyselyStore, type FullStore } from "./store.js";

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
}

/** Opens the PostgreSQL store at `url` and brings its schema up to date. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<FullStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types });
  // The server may end an idle connection (restart, failover, pg_terminate_backend). pg reports it
  // on the pool, and an unheard 'error' event would crash the process; the pool just replaces it.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const store = createKyselyStore(db, "postgres", {
    write: (statements) => writeInOneRoundTrip(pool, statements),
  });
  try {
    await store.migrate();
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

/**
 * The metering flush's statements as one simple-protocol query: PostgreSQL runs the statements of
 * one Query message as a single implicit transaction (all or none), so the batch costs one round
 * trip instead of one per statement plus BEGIN and COMMIT. The simple protocol takes no bound
 * parameters; each statement's one parameter, a JSON text the store built, goes in as a literal.
 */
export async function writeInOneRoundTrip(
  pool: pg.Pool,
  statements: readonly CompiledQuery[],
): Promise<void> {
  const text = statements
    .map((statement) => {
      const [parameter, ...more] = statement.parameters;
      if (more.length > 0 || (parameter !== undefined && typeof parameter !== "string")) {
        throw new Error("a one-round-trip write takes statements with at most one text parameter");
      }
      return parameter === undefined
        ? statement.sql
        : statement.sql.replaceAll("$1", () => pg.escapeLiteral(parameter));
    })
    .join(";\n");
  await pool.query(text);
}
