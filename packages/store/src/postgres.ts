import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { createKeyCache } from "./key-cache.js";
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
  const epoch = epochPerTurn(async () => {
    const { rows } = await pool.query<{ value: number }>("select value from key_epoch where id = 1");
    return rows[0]!.value;
  });
  return {
    ...store,
    async getKeyWithVersion(projectId, keyId, version) {
      const at = keys.observe(await epoch());
      const hit = keys.get(projectId, keyId, version);
      if (hit) return hit;
      const found = await store.getKeyWithVersion(projectId, keyId, version);
      if (found) keys.put(at, projectId, keyId, version, found);
      return found;
    },
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

/**
 * The key epoch, read once for all the lookups of one event-loop turn: one round trip answers for
 * them all instead of one key query each. The query goes out once the turn's I/O callbacks are done
 * (setImmediate), so it starts after every request it answers for had arrived, and a change
 * committed before any of them was sent is seen by it.
 */
function epochPerTurn(read: () => Promise<number>): () => Promise<number> {
  let next: Promise<number> | undefined;
  return () => {
    next ??= new Promise<number>((resolve, reject) =>
      setImmediate(() => {
        next = undefined;
        read().then(resolve, reject);
      }),
    );
    return next;
  };
}
