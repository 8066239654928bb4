import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database } from "./schema.js";
import { sqliteDialect, statementCache, WRITE_LOCK_TIMEOUT_MS } from "./sqlite-driver.js";
import { createKyselyStore, type FullStore } from "./store.js";

export interface SqliteStoreOptions {
  /**
   * NORMAL (the default): commits write the WAL and the driver acknowledges a write only after an
   * fdatasync of the WAL on the thread pool (see WalSync). FULL also fsyncs inside each COMMIT,
   * blocking the event loop; it is kept for comparison.
   */
  synchronous?: "FULL" | "NORMAL";
}

/** Opens (creating if needed) the SQLite store in one file and brings its schema up to date. */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<FullStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
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
  const keys = keyCache(reader);
  const snapshot = turnSnapshot(reader, keys.validate);
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
  return {
    ...store,
    getKeyWithVersion(projectId, keyId, version) {
      snapshot.enter();
      const hit = keys.get(projectId, keyId, version);
      if (hit) return Promise.resolve(hit);
      const generation = keys.generation();
      return store.getKeyWithVersion(projectId, keyId, version).then((found) => {
        if (found) keys.put(generation, projectId, keyId, version, found);
        return found;
      });
    },
    async close() {
      snapshot.end();
      reader.close();
      await store.close();
    },
  };
}

type KeyWithVersion = NonNullable<Awaited<ReturnType<FullStore["getKeyWithVersion"]>>>;

const KEY_CACHE_MAX = 10_000;

/**
 * The crypto hot path's key and version lookups, kept between requests. Triggers move `key_epoch`
 * in the same transaction as every write to keys or key versions, from any connection or process,
 * and each read transaction starts by reading it (`validate`): when it moved, the cache is emptied.
 * So a hit is what the database itself would answer in that transaction, and a key disabled
 * anywhere is refused by the next request that starts after the disable committed.
 */
function keyCache(reader: BetterSqlite3.Database) {
  const epochOf = reader.prepare("select value from key_epoch where id = 1").pluck();
  const entries = new Map<string, KeyWithVersion>();
  let epoch: number | undefined;
  // Counts validations, so that a lookup answered in one read transaction is not cached in another.
  let generation = 0;
  const cacheKey = (projectId: string, keyId: string, version: number | undefined) =>
    `${projectId}/${keyId}/${version ?? ""}`;

  return {
    validate() {
      generation += 1;
      const now = epochOf.get() as number;
      if (now !== epoch) {
        entries.clear();
        epoch = now;
      }
    },
    generation: () => generation,
    get: (projectId: string, keyId: string, version: number | undefined) =>
      entries.get(cacheKey(projectId, keyId, version)),
    put(at: number, projectId: string, keyId: string, version: number | undefined, found: KeyWithVersion) {
      if (at !== generation) return;
      if (entries.size >= KEY_CACHE_MAX) entries.clear();
      // Frozen: every caller shares the entry, so none may change it.
      Object.freeze(found.key.rotation);
      Object.freeze(found.key);
      Object.freeze(found.version);
      entries.set(cacheKey(projectId, keyId, version), Object.freeze(found));
    },
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
