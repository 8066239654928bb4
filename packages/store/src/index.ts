import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { FullStore } from "./store.js";

export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export type { FullStore } from "./store.js";

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL, else the SQLite file. */
export function openStore(opts: { databaseUrl?: string; sqliteFile: string }): Promise<FullStore> {
  return opts.databaseUrl && isPostgresUrl(opts.databaseUrl)
    ? openPostgresStore(opts.databaseUrl)
    : openSqliteStore(opts.sqliteFile);
}
