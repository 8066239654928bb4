import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { FullStore } from "./store.js";
import type { JournalOptions } from "./usage-journal.js";

export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export type { FullStore } from "./store.js";
export { type JournalOptions, journalDirectory, type MeteringSync } from "./usage-journal.js";

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/**
 * PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL, else the SQLite file, with
 * `meteringJournal` as this process's metering journal. PostgreSQL's server takes concurrent
 * writers as they come and needs no journal; it takes the journal's sync mode for its counts.
 */
export function openStore(opts: {
  databaseUrl?: string;
  sqliteFile: string;
  meteringJournal?: JournalOptions;
}): Promise<FullStore> {
  return opts.databaseUrl && isPostgresUrl(opts.databaseUrl)
    ? openPostgresStore(opts.databaseUrl, { meteringSync: opts.meteringJournal?.sync ?? "batch" })
    : openSqliteStore(opts.sqliteFile, opts.meteringJournal ? { meteringJournal: opts.meteringJournal } : {});
}
