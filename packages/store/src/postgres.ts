import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
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
  const store = createKyselyStore(db, "postgres");
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
