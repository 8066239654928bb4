import type { KmsStore } from "@kms/engine";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";

export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL, else the SQLite file. */
export function openStore(opts: { databaseUrl?: string; sqliteFile: string }): Promise<KmsStore> {
  return opts.databaseUrl && isPostgresUrl(opts.databaseUrl)
    ? openPostgresStore(opts.databaseUrl)
    : openSqliteStore(opts.sqliteFile);
}
