import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import { createKeyCache, type KeyLookup, type KeyWithVersion, perTurn } from "./key-cache.js";
import type { Database } from "./schema.js";
import { sqliteDialect, statementCache, WRITE_LOCK_TIMEOUT_MS } from "./sqlite-driver.js";
import { createKyselyStore, type FullStore } from "./store.js";
import { type JournalOptions, openUsageJournals } from "./usage-journal.js";

export interface SqliteStoreOptions {
  /**
   * NORMAL (the default): commits write the WAL and the driver acknowledges a write only after an
   * fdatasync of the WAL (see FileSync). FULL also fsyncs inside each COMMIT; it is kept for
   * comparison.
   */
  synchronous?: "FULL" | "NORMAL";
  /**
   * This process's metering journal: counts-only batches go to it instead of the database (see
   * usage-journal.ts). Without one, every batch is a transaction of the database itself.
   */
  meteringJournal?: JournalOptions;
}

/**
 * The database holds password hashes, wrapped key material, sessions and the audit trail: it is
 * created 0600 before SQLite opens it (SQLite gives its -wal and -shm the database file's mode),
 * and an existing one made 0600 too, with its -wal and -shm.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** Opens (creating if needed) the SQLite store in one file and brings its schema up to date. */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<FullStore> {
  if (file !== ":memory:") {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    ownerOnly(file);
  }
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
  sqlite.pragma(`busy_timeout = ${WRITE_LOCK_TIMEOUT_MS}`);
  sqlite.pragma("foreign_keys = ON");
  let afterWrite = () => {};
  const { dialect, transact } = sqliteDialect(sqlite, file, () => afterWrite());
  const db = new Kysely<Database>({ dialect });
  const writer = createKyselyStore(db, "sqlite", { write: transact });
  try {
    await writer.migrate();
  } catch (error) {
    await writer.close();
    throw error;
  }
  if (file === ":memory:") return writer;
  // The hot reads go through a second, read-only connection (see DirectReader).
  const reader = new BetterSqlite3(file, { readonly: true });
  reader.pragma(`busy_timeout = ${WRITE_LOCK_TIMEOUT_MS}`);
  const prepare = statementCache(reader);
  // Raw-mode statements are their own cache: raw(true) changes a statement for every later caller.
  const prepareRaw = statementCache(reader, (stmt) => stmt.raw(true));
  const keys = createKeyCache();
  const epochOf = reader.prepare("select value from key_epoch where id = 1").pluck();
  let token = 0;
  // Each read transaction starts by reading the epoch, so a hit is what the database itself would
  // answer in it, and a key disabled anywhere is refused from the first snapshot after the commit.
  const snapshot = turnSnapshot(reader, () => {
    token = keys.observe(epochOf.get() as number);
  });
  afterWrite = snapshot.end;
  const store = createKyselyStore(db, "sqlite", {
    read: {
      all: (query) => {
        snapshot.enter();
        return prepare(query.sql).stmt.all(query.parameters as unknown[]);
      },
      firstRaw: (query) => {
        snapshot.enter();
        return prepareRaw(query.sql).stmt.get(query.parameters as unknown[]) as unknown[] | undefined;
      },
    },
    write: transact,
  });
  const lookups = perTurn<KeyLookup, KeyWithVersion | undefined>((batch) => {
    // A read transaction of their own, begun after every one of them was asked for: one that this
    // turn's other reads opened may have begun before some of these requests arrived.
    snapshot.end();
    snapshot.enter();
    const at = token;
    try {
      return batch.map(({ projectId, keyId, version }) => {
        const hit = keys.get(projectId, keyId, version);
        if (hit) return hit;
        // The store reads synchronously from the direct reader, inside this transaction.
        return store.getKeyWithVersion(projectId, keyId, version).then((found) => {
          if (found) keys.put(at, projectId, keyId, version, found);
          return found;
        });
      });
    } finally {
      snapshot.end();
    }
  });
  const journals = openUsageJournals(file, store, options.meteringJournal);
  const closeAll = async () => {
    try {
      await journals.close();
    } finally {
      snapshot.end();
      reader.close();
      await store.close();
    }
  };
  try {
    await journals.foldAll(); // what a killed process left
  } catch (error) {
    await closeAll();
    throw error;
  }
  /** A usage read that sees every count acknowledged before it, in any process's journal. */
  const folded =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await journals.foldAll();
      return read(...args);
    };
  const { foldedUpTo: _, foldJournal: __, ...full } = store;
  return {
    ...full,
    getKeyWithVersion: (projectId, keyId, version) => lookups({ projectId, keyId, version }),
    recordUsage: (counts, audits) =>
      options.meteringJournal && audits.length === 0 && counts.length > 0
        ? journals.append(counts)
        : store.recordUsage(counts, audits),
    sumUsage: folded(store.sumUsage),
    keyUsageSeries: folded(store.keyUsageSeries),
    keyDependents: folded(store.keyDependents),
    // The key list's "requests this month": up to a second behind (the owners' folds) rather than a
    // durable fold on every page, which costs a live journal's reader 2-5 ms.
    keyRequestsInMonth: store.keyRequestsInMonth,
    monthUsage: folded(store.monthUsage),
    close: closeAll,
  };
}

/**
 * The reads of one event-loop turn share one read transaction. Outside a transaction every
 * statement opens its own, taking and dropping a WAL read lock with two fcntl calls, which cost more
 * than the lookup itself; a busy server answers dozens of requests per turn. The snapshot ends when
 * the turn does and whenever this process writes, so a read never misses a write this process made,
 * and another process's commit is seen from the next turn on (it is acknowledged later than that).
 */
function turnSnapshot(reader: BetterSqlite3.Database, onBegin: () => void) {
  const begin = reader.prepare("begin");
  const commit = reader.prepare("commit");
  let open = false;
  const end = () => {
    if (!open) return;
    open = false;
    if (reader.open && reader.inTransaction) commit.run();
  };
  return {
    enter() {
      if (open) return;
      begin.run();
      open = true;
      setImmediate(end);
      onBegin();
    },
    end,
  };
}
