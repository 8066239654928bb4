import { realpathSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";

/** A FIFO async lock. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }
}

/**
 * Writers of one file within this process take turns here before asking SQLite for the write lock.
 * SQLite's busy handler waits synchronously, so a second connection in the same process that waited
 * for the lock inside SQLite would block the event loop that has to finish the first transaction.
 * Other processes are handled by SQLite itself (BEGIN IMMEDIATE + busy_timeout).
 */
const writeLocks = new Map<string, Mutex>();

function writeLockFor(file: string): Mutex {
  let key = file;
  try {
    key = realpathSync(file);
  } catch {
    // a file that does not exist yet (or :memory:) keys by its name
  }
  let lock = writeLocks.get(key);
  if (!lock) {
    lock = new Mutex();
    writeLocks.set(key, lock);
  }
  return lock;
}

export interface CachedStatement {
  stmt: BetterSqlite3.Statement;
  reader: boolean;
  readonly: boolean;
}

const STATEMENT_CACHE_SIZE = 256;

/** Prepares each SQL string once per connection (bounded: variable-length batches make new strings). */
export function statementCache(
  db: BetterSqlite3.Database,
  configure?: (stmt: BetterSqlite3.Statement) => void,
): (sqlText: string) => CachedStatement {
  const cache = new Map<string, CachedStatement>();
  return (sqlText) => {
    let cached = cache.get(sqlText);
    if (!cached) {
      const stmt = db.prepare(sqlText);
      configure?.(stmt);
      cached = { stmt, reader: stmt.reader, readonly: stmt.readonly };
      if (cache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(sqlText, cached);
    }
    return cached;
  };
}

/**
 * The one connection of a SQLite store. Kysely's stock driver prepares every query again; the hot
 * paths run thousands of times a second, so statements are cached per SQL string.
 */
class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #writeLock: Mutex;
  readonly #prepare: (sqlText: string) => CachedStatement;
  #releaseWrite: (() => void) | undefined;

  constructor(db: BetterSqlite3.Database, writeLock: Mutex) {
    this.#db = db;
    this.#writeLock = writeLock;
    this.#prepare = statementCache(db);
  }

  #run<R>(compiled: CompiledQuery): QueryResult<R> {
    const { stmt, reader } = this.#prepare(compiled.sql);
    if (reader) return { rows: stmt.all(compiled.parameters as unknown[]) as R[] };
    const { changes } = stmt.run(compiled.parameters as unknown[]);
    return { numAffectedRows: BigInt(changes), rows: [] };
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const cached = this.#prepare(compiled.sql);
    if (cached.readonly || this.#releaseWrite) return this.#run(compiled);
    // A write outside a transaction: take this process's turn for the file first.
    const release = await this.#writeLock.lock();
    try {
      return this.#run(compiled);
    } finally {
      release();
    }
  }

  async beginWrite(): Promise<void> {
    const release = await this.#writeLock.lock();
    try {
      // IMMEDIATE takes the write lock up front, so a read-then-write transaction cannot fail
      // half-way with SQLITE_BUSY when another process writes; busy_timeout makes it wait instead.
      this.#db.exec("begin immediate");
    } catch (error) {
      release();
      throw error;
    }
    this.#releaseWrite = release;
  }

  endWrite(command: "commit" | "rollback"): void {
    try {
      if (this.#db.inTransaction) this.#db.exec(command);
    } finally {
      const release = this.#releaseWrite;
      this.#releaseWrite = undefined;
      release?.();
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by the store
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported by the SQLite store");
  }
}

class SqliteDriver implements Driver {
  readonly #connection: SqliteConnection;
  readonly #db: BetterSqlite3.Database;
  readonly #connectionMutex = new Mutex();
  #releaseConnection: (() => void) | undefined;

  constructor(db: BetterSqlite3.Database, file: string) {
    this.#db = db;
    this.#connection = new SqliteConnection(db, writeLockFor(file));
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: callers take turns, so a transaction never sees another caller's statements.
    this.#releaseConnection = await this.#connectionMutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#releaseConnection;
    this.#releaseConnection = undefined;
    release?.();
  }

  async beginTransaction(): Promise<void> {
    await this.#connection.beginWrite();
  }

  async commitTransaction(): Promise<void> {
    this.#connection.endWrite("commit");
  }

  async rollbackTransaction(): Promise<void> {
    this.#connection.endWrite("rollback");
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}

/** SQLite supports transactional DDL; saying so makes Kysely's Migrator run inside BEGIN IMMEDIATE. */
class SqliteTxAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export function sqliteDialect(db: BetterSqlite3.Database, file: string): Dialect {
  return {
    createAdapter: (): DialectAdapter => new SqliteTxAdapter(),
    createDriver: (): Driver => new SqliteDriver(db, file),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
    createIntrospector: (kysely: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(kysely),
  };
}
