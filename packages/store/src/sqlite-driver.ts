import { closeSync, fdatasync, fdatasyncSync, openSync, realpathSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setImmediate as setImmediateP, setTimeout as sleep } from "node:timers/promises";
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
import type { DirectWriter } from "./store.js";

/** How long a statement waits for a lock another process holds (SQLite's busy timeout). */
export const WRITE_LOCK_TIMEOUT_MS = 5000;

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
 * Writers of one file within this process take turns here before asking SQLite for the write lock
 * (see SqliteConnection's beginImmediate for other processes).
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
  readonly #durable: () => Promise<void>;
  readonly #afterWrite: () => void;
  #releaseWrite: (() => void) | undefined;

  constructor(
    db: BetterSqlite3.Database,
    writeLock: Mutex,
    durable: () => Promise<void>,
    afterWrite: () => void,
  ) {
    this.#db = db;
    this.#writeLock = writeLock;
    this.#prepare = statementCache(db);
    this.#durable = durable;
    this.#afterWrite = afterWrite;
  }

  #run<R>(compiled: CompiledQuery): QueryResult<R> {
    const { stmt, reader } = this.#prepare(compiled.sql);
    if (reader) return { rows: stmt.all(compiled.parameters as unknown[]) as R[] };
    const { changes } = stmt.run(compiled.parameters as unknown[]);
    return { numAffectedRows: BigInt(changes), rows: [] };
  }

  /** Runs the statements inside the write transaction this connection holds. */
  runInWrite(statements: readonly CompiledQuery[]): void {
    for (const statement of statements) this.#run(statement);
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const cached = this.#prepare(compiled.sql);
    if (cached.readonly || this.#releaseWrite) return this.#run(compiled);
    // A write outside a transaction is a transaction of one statement, so that it waits for
    // another process's write lock the same way.
    await this.beginWrite();
    let result: QueryResult<R>;
    try {
      result = this.#run(compiled);
    } catch (error) {
      await this.endWrite("rollback");
      throw error;
    }
    await this.endWrite("commit");
    return result;
  }

  async beginWrite(): Promise<void> {
    const release = await this.#writeLock.lock();
    try {
      await this.#beginImmediate();
    } catch (error) {
      release();
      throw error;
    }
    this.#releaseWrite = release;
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so a read-then-write transaction cannot fail
   * half-way with SQLITE_BUSY when another process writes. While another process holds the lock,
   * SQLite's busy handler would sleep inside the call and stall every request of this process; so
   * the attempt is made with the busy timeout off and repeated from the event loop instead (on the
   * next few turns, then after 1, 2, 4 … 16 ms), for as long as the busy timeout would have waited.
   */
  async #beginImmediate(): Promise<void> {
    const deadline = Date.now() + WRITE_LOCK_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      this.#busyTimeout(0);
      try {
        this.#db.exec("begin immediate");
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() >= deadline) throw error;
      } finally {
        this.#busyTimeout(WRITE_LOCK_TIMEOUT_MS);
      }
      await (attempt < 3 ? setImmediateP() : sleep(Math.min(2 ** (attempt - 3), 16)));
    }
  }

  #busyTimeout(ms: number): void {
    // A pragma takes effect when it is prepared, so it cannot be a cached statement.
    this.#db.pragma(`busy_timeout = ${ms}`);
  }

  async endWrite(command: "commit" | "rollback"): Promise<void> {
    try {
      if (this.#db.inTransaction) this.#db.exec(command);
    } finally {
      const release = this.#releaseWrite;
      this.#releaseWrite = undefined;
      release?.();
      this.#afterWrite();
    }
    if (command === "commit") await this.#durable();
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

  /** The WAL's sync; none for an in-memory database. */
  readonly #wal: FileSync | undefined;

  constructor(db: BetterSqlite3.Database, file: string, afterWrite: () => void) {
    this.#db = db;
    this.#wal = db.memory ? undefined : new FileSync(`${file}-wal`);
    this.#connection = new SqliteConnection(
      db,
      writeLockFor(file),
      () => this.#wal?.sync() ?? Promise.resolve(),
      afterWrite,
    );
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

  /** A write transaction of compiled statements run back to back, taking the same turns and locks. */
  async transact(statements: readonly CompiledQuery[]): Promise<void> {
    await this.acquireConnection();
    try {
      await this.#connection.beginWrite();
      try {
        this.#connection.runInWrite(statements);
      } catch (error) {
        await this.#connection.endWrite("rollback");
        throw error;
      }
      await this.#connection.endWrite("commit");
    } finally {
      await this.releaseConnection();
    }
  }

  async commitTransaction(): Promise<void> {
    await this.#connection.endWrite("commit");
  }

  async rollbackTransaction(): Promise<void> {
    await this.#connection.endWrite("rollback");
  }

  async destroy(): Promise<void> {
    await this.#wal?.close();
    this.#db.close();
  }
}

/** An inline `fdatasync` slower than this sends the next syncs to the thread pool. */
const SLOW_SYNC_MS = 2;
/** How many syncs go to the thread pool after a slow inline one, before inline is tried again. */
const SLOW_SYNC_BACKOFF = 64;

/**
 * Durable on acknowledge: `sync()` resolves once an fdatasync of the file that began after the call
 * has ended. The store's connection runs with synchronous=NORMAL (a commit only writes its WAL
 * frames), and every write is acknowledged only after this sync of the WAL file. Checkpoints stay
 * safe: with NORMAL, SQLite itself syncs the WAL before copying it into the database and the
 * database before reusing the WAL. (A metering journal in "batch" mode syncs its log with it too.)
 *
 * The sync runs inline on the event loop while the disk syncs fast. Handing it to libuv's thread
 * pool costs two cross-thread wake-ups per sync, which on the benchmark VM cost more than the
 * sync's own wait (metered encrypt-data: +14 % with two workers, +29 % with one process, inline),
 * and every request of the process waits for a sync anyway, since each one is metered. When an
 * inline sync takes longer than SLOW_SYNC_MS (a slow or busy disk), the next SLOW_SYNC_BACKOFF
 * syncs go to the thread pool, so that the process keeps parsing and answering what it can while
 * the disk catches up; commits that land while one such sync runs share the next one.
 */
export class FileSync {
  readonly #path: string;
  #fd: number | undefined;
  #threadPoolTurns = 0;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  readonly #slowSyncMs: number;

  constructor(path: string, slowSyncMs = SLOW_SYNC_MS) {
    this.#path = path;
    this.#slowSyncMs = slowSyncMs;
  }

  /** Whether the next sync goes to the thread pool. */
  get onThreadPool(): boolean {
    return this.#threadPoolTurns > 0;
  }

  sync(): Promise<void> {
    // A sync already running may have started before this commit's frames were written: queue one
    // more, shared by every commit that arrives until it starts.
    if (this.#running) {
      this.#queued ??= this.#running.then(() => {
        this.#queued = undefined;
        return this.sync();
      });
      return this.#queued;
    }
    if (this.#threadPoolTurns > 0) {
      this.#threadPoolTurns -= 1;
      const run = new Promise<void>((resolve, reject) =>
        fdatasync(this.#file(), (error) => (error ? reject(error) : resolve())),
      ).finally(() => {
        this.#running = undefined;
      });
      this.#running = run;
      return run;
    }
    try {
      const started = performance.now();
      fdatasyncSync(this.#file());
      if (performance.now() - started > this.#slowSyncMs) this.#threadPoolTurns = SLOW_SYNC_BACKOFF;
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** An fdatasync on the thread pool, for a sync that no request waits for. */
  syncInBackground(): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      fdatasync(this.#file(), (error) => (error ? reject(error) : resolve())),
    );
  }

  #file(): number {
    this.#fd ??= openSync(this.#path, "r");
    return this.#fd;
  }

  async close(): Promise<void> {
    await this.#running?.catch(() => {});
    await this.#queued?.catch(() => {});
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** SQLite supports transactional DDL; saying so makes Kysely's Migrator run inside BEGIN IMMEDIATE. */
class SqliteTxAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's dialect over one better-sqlite3 connection, and `transact` for writes that skip Kysely's
 * executor (see DirectWriter). `afterWrite` runs once each write statement or transaction has ended
 * (committed or not).
 */
export function sqliteDialect(
  db: BetterSqlite3.Database,
  file: string,
  afterWrite: () => void = () => {},
): { dialect: Dialect; transact: DirectWriter } {
  const driver = new SqliteDriver(db, file, afterWrite);
  return {
    dialect: {
      createAdapter: (): DialectAdapter => new SqliteTxAdapter(),
      createDriver: (): Driver => driver,
      createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
      createIntrospector: (kysely: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(kysely),
    },
    transact: (statements) => driver.transact(statements),
  };
}
