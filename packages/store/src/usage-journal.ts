import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type TUsageCount, ZUsageCount } from "@kms/domain";
import BetterSqlite3 from "better-sqlite3";
import { WalSync, WRITE_LOCK_TIMEOUT_MS } from "./sqlite-driver.js";

/**
 * When a metering journal's appends reach the disk:
 * - "interval" (the default): a batch is acknowledged once SQLite has written it to the journal's
 *   WAL, which survives the process (kill -9, a crash); the WAL is synced every SYNC_INTERVAL_MS,
 *   so a machine crash or power loss can lose the counts of that last moment. SQLite's own trade
 *   with `synchronous = NORMAL`, PostgreSQL's with `synchronous_commit = off`.
 * - "batch": a batch is acknowledged only after an fdatasync of the journal's WAL.
 */
export type MeteringSync = "batch" | "interval";

export interface JournalOptions {
  /** The journal's file name in the journal directory: one per process that meters, e.g. "worker-1". */
  name: string;
  sync: MeteringSync;
  /** How often the owner folds its journal into the database (1000 ms by default). */
  foldIntervalMs?: number;
}

/** One appended batch: its sequence number in its journal, and its counts. */
export interface JournalBatch {
  seq: number;
  counts: TUsageCount[];
}

/** The main store's side of folding (store.ts). */
export interface UsageFolder {
  /** The highest sequence number of the journal already in the usage tables (0 for none). */
  foldedUpTo(journalId: string): Promise<number>;
  /**
   * Adds the batches past the journal's fold point to the usage tables and moves the point, in one
   * durable transaction that reads the point under the write lock, so folders racing over the same
   * journal each add only what the others have not. Returns the new point.
   */
  foldJournal(journalId: string, batches: readonly JournalBatch[]): Promise<number>;
}

const SYNC_INTERVAL_MS = 100;
const FOLD_INTERVAL_MS = 1000;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The journals of a database file live next to it, in a directory of their own. */
export const journalDirectory = (databaseFile: string): string => `${databaseFile}-metering`;

type CountTuple = [string, string, string, string, string, number, number];

const toTuple = (c: TUsageCount): CountTuple => [
  c.projectId,
  c.domainId,
  c.keyId,
  c.principalId,
  c.operation,
  c.hour.getTime(),
  c.count,
];

const fromTuple = ([projectId, domainId, keyId, principalId, operation, hour, count]: CountTuple) =>
  ZUsageCount.parse({ projectId, domainId, keyId, principalId, operation, hour: new Date(hour), count });

/**
 * One journal file: a SQLite database (WAL, synchronous NORMAL) of batches numbered by an
 * AUTOINCREMENT key, so a number is never reused even after the rows are deleted, and an ID made
 * when the file was created, under which the main database records how far it has folded: a
 * journal file removed and made again starts afresh instead of being taken as already folded.
 */
class JournalFile {
  readonly id: string;
  readonly wal: WalSync;
  readonly #db: BetterSqlite3.Database;
  readonly #append: BetterSqlite3.Statement;
  readonly #after: BetterSqlite3.Statement;
  readonly #deleteUpTo: BetterSqlite3.Statement;

  constructor(path: string) {
    this.#db = new BetterSqlite3(path);
    try {
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
      this.#db.pragma(`busy_timeout = ${WRITE_LOCK_TIMEOUT_MS}`);
      this.#db.exec(
        "create table if not exists journal (id integer primary key check (id = 1), journal_id text not null);" +
          "create table if not exists batches (seq integer primary key autoincrement, counts text not null);",
      );
      this.#db.prepare("insert or ignore into journal (id, journal_id) values (1, ?)").run(randomUUID());
      this.id = this.#db.prepare("select journal_id from journal").pluck().get() as string;
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.wal = new WalSync(path, this.#db);
    this.#append = this.#db.prepare("insert into batches (counts) values (?)");
    this.#after = this.#db.prepare("select seq, counts from batches where seq > ? order by seq");
    this.#deleteUpTo = this.#db.prepare("delete from batches where seq <= ?");
  }

  append(counts: readonly TUsageCount[]): void {
    this.#append.run(JSON.stringify(counts.map(toTuple)));
  }

  batchesAfter(seq: number): JournalBatch[] {
    return (this.#after.all(seq) as Array<{ seq: number; counts: string }>).map((row) => ({
      seq: row.seq,
      counts: (JSON.parse(row.counts) as CountTuple[]).map(fromTuple),
    }));
  }

  deleteUpTo(seq: number): void {
    this.#deleteUpTo.run(seq);
  }

  async close(): Promise<void> {
    await this.wal.close();
    this.#db.close();
  }
}

/**
 * Runs `task` for every caller, sharing runs: a caller that arrives while one runs gets the next
 * one (shared by every caller until it starts), which begins after the caller arrived.
 */
function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const call = (): Promise<void> => {
    if (running) {
      queued ??= running
        .catch(() => {})
        .then(() => {
          queued = undefined;
          return call();
        });
      return queued;
    }
    running = task().finally(() => {
      running = undefined;
    });
    return running;
  };
  return call;
}

export interface UsageJournals {
  /** Appends a batch of counts to this process's journal; resolves once it is as durable as `sync` says. */
  append(counts: readonly TUsageCount[]): Promise<void>;
  /** Folds every journal of the database into the usage tables: what was appended before the call is in them after it. */
  foldAll(): Promise<void>;
  /** Folds this process's journal a last time and closes the files. */
  close(): Promise<void>;
}

/**
 * Metering journals: each process that meters appends its counts-only batches to a journal file
 * of its own, so that the processes sharing a database never take turns at its write lock for a
 * count, and folds them into the usage tables about once a second. Reads of usage fold every
 * journal first (`foldAll`), and opening a store folds what a killed process left.
 */
export function openUsageJournals(
  databaseFile: string,
  folder: UsageFolder,
  own: JournalOptions | undefined,
): UsageJournals {
  const dir = journalDirectory(databaseFile);
  const open = new Map<string, JournalFile>();
  const fileAt = (name: string): JournalFile => {
    let file = open.get(name);
    if (!file) {
      file = new JournalFile(join(dir, name));
      open.set(name, file);
    }
    return file;
  };

  const ownFile = (name: string): JournalFile => {
    if (!NAME.test(name)) throw new Error(`invalid metering journal name "${name}"`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return fileAt(`${name}.sqlite`);
  };
  const mine = own ? ownFile(own.name) : undefined;

  const fold = async (file: JournalFile): Promise<void> => {
    const from = await folder.foldedUpTo(file.id);
    const batches = file.batchesAfter(from);
    const to = batches.length > 0 ? await folder.foldJournal(file.id, batches) : from;
    // Only the owner deletes: another process's delete would contend with its appends.
    if (file === mine) file.deleteUpTo(to);
  };

  const foldAll = coalesced(async () => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith(".sqlite"))
      .sort()) {
      await fold(fileAt(name));
    }
  });

  let appended = false;
  let unsynced = false;
  const foldMine = coalesced(async () => {
    if (!mine || !appended) return;
    appended = false;
    await fold(mine);
  });
  // A failed timed fold or sync is tried again on the next tick; the batches stay in the journal.
  const timers = mine
    ? [
        setInterval(() => {
          foldMine().catch(() => {
            appended = true;
          });
        }, own?.foldIntervalMs ?? FOLD_INTERVAL_MS),
        setInterval(() => {
          if (!unsynced) return;
          unsynced = false;
          mine.wal.syncInBackground().catch(() => {
            unsynced = true;
          });
        }, SYNC_INTERVAL_MS),
      ]
    : [];
  for (const timer of timers) timer.unref();

  return {
    append(counts) {
      if (!mine || !own) return Promise.reject(new Error("this store has no metering journal"));
      mine.append(counts);
      appended = true;
      if (own.sync === "batch") return mine.wal.sync();
      unsynced = true;
      return Promise.resolve();
    },
    foldAll,
    async close() {
      for (const timer of timers) clearInterval(timer);
      try {
        await foldMine();
      } finally {
        for (const file of open.values()) await file.close();
        open.clear();
      }
    },
  };
}
