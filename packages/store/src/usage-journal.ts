import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { type TOperation, type TUsageCount, ZOperation } from "@kms/domain";
import { FileSync } from "./sqlite-driver.js";

/**
 * When a metering journal's appends reach the disk:
 * - "interval" (the default): a batch is acknowledged once it is written to the journal file, that
 *   is, held by the kernel, which outlives the process (kill -9, a crash); the file is synced every
 *   SYNC_INTERVAL_MS, so a machine crash or power loss can lose the counts of that last moment. The
 *   trade SQLite makes with `synchronous = NORMAL` and PostgreSQL with `synchronous_commit = off`.
 * - "batch": a batch is acknowledged only after an fdatasync of the journal file.
 */
export type MeteringSync = "batch" | "interval";

export interface JournalOptions {
  /** The journal's file name in the journal directory: one per process that meters, e.g. "worker-1". */
  name: string;
  sync: MeteringSync;
  /** How often the owner folds its journal into the database (1000 ms by default). */
  foldIntervalMs?: number;
}

/** One appended batch: its sequence number in its journal (where its record ends), and its counts. */
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
/** An owner starts a new file once everything in a file this large is folded (and when it closes). */
const ROTATE_BYTES = 1 << 20;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NEWLINE = 0x0a;

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

const OPERATIONS: ReadonlySet<string> = new Set(ZOperation.options);
const isOperation = (s: unknown): s is TOperation => typeof s === "string" && OPERATIONS.has(s);
const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 1;
/** Milliseconds a Date can hold. */
const isTime = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && Math.abs(n) <= 8.64e15;

/**
 * A record's counts, or undefined for a line that is not one (what a power loss can leave).
 * Checked here rather than by ZUsageCount: zod's parsing code is shared by every schema, and
 * running it in the folds on a schema of its own made V8 treat the data plane's request validation
 * megamorphically (perf: the zod frames' megamorphic loads appeared with folding, went without it).
 */
function parseRecord(text: string): TUsageCount[] | undefined {
  let tuples: unknown;
  try {
    tuples = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(tuples)) return undefined;
  const counts: TUsageCount[] = [];
  for (const tuple of tuples) {
    if (!Array.isArray(tuple) || tuple.length !== 7) return undefined;
    const [projectId, domainId, keyId, principalId, operation, hour, count] = tuple as unknown[];
    if (
      typeof projectId !== "string" ||
      typeof domainId !== "string" ||
      typeof keyId !== "string" ||
      typeof principalId !== "string" ||
      !isOperation(operation) ||
      !isTime(hour) ||
      !isCount(count)
    )
      return undefined;
    counts.push({ projectId, domainId, keyId, principalId, operation, hour: new Date(hour), count });
  }
  return counts;
}

/**
 * A journal file's first line: the journal's ID, made when its first file was, under which the
 * database records how far it has folded; and the sequence number its records count from, so that
 * a record's sequence number (base + the file offset where it ends) keeps growing across the files
 * an owner starts one after another. A journal made anew (its directory removed) gets a new ID and
 * starts from nothing instead of being taken as already folded.
 */
interface Header {
  journal: string;
  base: number;
}

function readHeader(fd: number): (Header & { end: number }) | undefined {
  const buffer = Buffer.alloc(256);
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  const end = buffer.subarray(0, n).indexOf(NEWLINE);
  if (end < 0) return undefined;
  try {
    const header = JSON.parse(buffer.toString("utf8", 0, end)) as Partial<Header>;
    if (typeof header.journal !== "string" || !Number.isSafeInteger(header.base)) return undefined;
    return { journal: header.journal, base: header.base as number, end: end + 1 };
  } catch {
    return undefined;
  }
}

/** Writes a file holding only `header`, durably, in one step (a rename): readers see the old file or the new. */
function writeHeaderFile(path: string, header: Header): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(header)}\n`, { mode: 0o600, flush: true });
  renameSync(temporary, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The journal's ID and the complete records of its file at `path` past sequence number `after`. */
async function readJournal(path: string, after: (journal: string) => Promise<number>) {
  const fd = openSync(path, "r");
  try {
    const header = readHeader(fd);
    if (!header) return undefined; // never written through: nothing was appended to it
    const from = await after(header.journal);
    const start = Math.max(header.end, from - header.base);
    const size = fstatSync(fd).size;
    const batches: JournalBatch[] = [];
    if (start < size) {
      const buffer = Buffer.alloc(size - start);
      const n = readSync(fd, buffer, 0, buffer.length, start);
      // Only complete lines: an append may be under way, or cut short by a kill.
      for (
        let line = 0, end = buffer.indexOf(NEWLINE);
        end >= 0 && end < n;
        end = buffer.indexOf(NEWLINE, line)
      ) {
        const counts = parseRecord(buffer.toString("utf8", line, end));
        if (counts) batches.push({ seq: header.base + start + end + 1, counts });
        line = end + 1;
      }
    }
    return { journal: header.journal, batches, from };
  } finally {
    closeSync(fd);
  }
}

/**
 * The journal file a process appends to: one line of JSON per batch, written with one `write`. A
 * kill can cut the last line short; the next owner cuts such a tail off before it appends, and
 * readers take complete lines only.
 */
class OwnedJournal {
  readonly path: string;
  readonly journal: string;
  #base = 0;
  #size = 0;
  #fd: number;
  sync: FileSync;
  readonly #release: () => void;

  constructor(path: string, release: () => void) {
    this.path = path;
    this.#release = release;
    rmSync(`${path}.tmp`, { force: true });
    let header = existsSync(path) ? withFileSync(path, "r", readHeader) : undefined;
    if (!header) {
      writeHeaderFile(path, { journal: randomUUID(), base: 0 });
      header = withFileSync(path, "r", readHeader);
      if (!header) throw new Error(`the metering journal ${path} could not be created`);
    }
    this.journal = header.journal;
    this.#base = header.base;
    this.#size = withFileSync(path, "r+", cutTornTail);
    this.#fd = openSync(path, "a");
    this.sync = new FileSync(path);
  }

  /** The sequence number of the last record appended. */
  get end(): number {
    return this.#base + this.#size;
  }

  append(counts: readonly TUsageCount[]): void {
    const line = Buffer.from(`${JSON.stringify(counts.map(toTuple))}\n`);
    try {
      if (writeSync(this.#fd, line) !== line.length) throw new Error("short write to the metering journal");
    } catch (error) {
      // No partial line stays behind to swallow the next one.
      ftruncateSync(this.#fd, this.#size);
      throw error;
    }
    this.#size += line.length;
  }

  /**
   * Starts a new file, with the same ID and the sequence numbers going on, when everything in this
   * one is folded (`foldedTo`): keeps the files small. Not when the file holds more than this owner
   * wrote (its lock keeps other processes out, so only bytes put there by hand), which the next
   * owner must see as they are.
   */
  rotate(foldedTo: number, minimumBytes: number): void {
    if (foldedTo !== this.end || this.#size < minimumBytes || fstatSync(this.#fd).size !== this.#size) return;
    const base = this.end;
    writeHeaderFile(this.path, { journal: this.journal, base });
    const previous = { fd: this.#fd, sync: this.sync };
    this.#fd = openSync(this.path, "a");
    this.sync = new FileSync(this.path);
    this.#base = base;
    this.#size = fstatSync(this.#fd).size;
    void previous.sync.close().finally(() => closeSync(previous.fd));
  }

  async close(): Promise<void> {
    await this.sync.close();
    closeSync(this.#fd);
    this.#release();
  }
}

/** The lock files this process holds: a lock with this process's own PID may be a stale one of an earlier process that had it. */
const heldHere = new Set<string>();

/** Whether a lock file's holder is gone: a process of this host that no longer runs. */
function staleLock(path: string): boolean {
  let holder: { pid?: unknown; host?: unknown };
  try {
    holder = JSON.parse(readFileSync(path, "utf8")) as typeof holder;
  } catch {
    return false; // being written, or not ours to judge
  }
  if (holder.host !== hostname() || typeof holder.pid !== "number") return false;
  if (holder.pid === process.pid) return !heldHere.has(path);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Makes a lock file holding this process's PID and host, unless the file exists. */
function createLock(path: string): boolean {
  try {
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname() }), { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Takes over a lock whose holder is gone. Two processes that both found it stale must not both
 * take it (the second would remove the first one's fresh lock), so a takeover runs under
 * `<lock>.takeover`, made with O_EXCL too, and looks at the lock again under it. A takeover file
 * whose own maker is gone (killed during the few calls below) is removed first: that step has the
 * same race one level down, which needs such a kill as well as two processes starting at once.
 */
function takeOverLock(lock: string): boolean {
  const guard = `${lock}.takeover`;
  if (!staleLock(lock)) return false;
  if (staleLock(guard)) rmSync(guard, { force: true });
  if (!createLock(guard)) return false;
  try {
    if (!staleLock(lock)) return false;
    rmSync(lock, { force: true });
    return createLock(lock);
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * One process per journal file: an owner cuts a torn tail and starts new files, which would lose
 * another appender's lines. So a journal is claimed with a lock file made with O_EXCL, holding the
 * owner's PID and host; a lock whose process is gone is taken over, and a name that is held gives
 * way to `<name>-2`, `<name>-3` … (two instances of one role on one data directory).
 */
function claimJournal(dir: string, name: string): { name: string; release: () => void } {
  for (let n = 1; n <= 64; n++) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    const lock = join(dir, `${candidate}.lock`);
    if (!createLock(lock) && !takeOverLock(lock)) continue;
    heldHere.add(lock);
    return {
      name: candidate,
      release: () => {
        heldHere.delete(lock);
        rmSync(lock, { force: true });
      },
    };
  }
  throw new Error(`every metering journal named ${name} in ${dir} is held by a running process`);
}

function withFileSync<R>(path: string, flags: string, use: (fd: number) => R): R {
  const fd = openSync(path, flags);
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** Truncates the file after its last newline (the header's at least); returns the new size. */
function cutTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const last = chunk.subarray(0, n).lastIndexOf(NEWLINE);
    if (last >= 0) {
      if (start + last + 1 < size) ftruncateSync(fd, start + last + 1);
      return start + last + 1;
    }
    end = start;
  }
  return 0;
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
  /** Folds this process's journal a last time, starts it afresh and closes it. */
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
  const ownJournal = (name: string): OwnedJournal => {
    if (!NAME.test(name)) throw new Error(`invalid metering journal name "${name}"`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const claimed = claimJournal(dir, name);
    try {
      return new OwnedJournal(join(dir, `${claimed.name}.log`), claimed.release);
    } catch (error) {
      claimed.release();
      throw error;
    }
  };
  const mine = own ? ownJournal(own.name) : undefined;

  /** Folds one journal file; returns how far its journal is folded. */
  const fold = async (path: string): Promise<number | undefined> => {
    const read = await readJournal(path, (journal) => folder.foldedUpTo(journal));
    if (!read) return undefined;
    return read.batches.length > 0 ? folder.foldJournal(read.journal, read.batches) : read.from;
  };

  const foldAll = coalesced(async () => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith(".log"))
      .sort()) {
      await fold(join(dir, name));
    }
  });

  let appended = false;
  let unsynced = false;
  const foldMine = coalesced(async () => {
    if (!mine || !appended) return;
    appended = false;
    const to = await fold(mine.path);
    if (to !== undefined) mine.rotate(to, ROTATE_BYTES);
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
          mine.sync.syncInBackground().catch(() => {
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
      if (own.sync === "batch") return mine.sync.sync();
      unsynced = true;
      return Promise.resolve();
    },
    foldAll,
    async close() {
      for (const timer of timers) clearInterval(timer);
      if (!mine) return;
      appended = false; // the last fold below takes it all
      await foldMine().catch(() => {}); // lets a timed fold under way finish first
      try {
        const to = await fold(mine.path);
        // A clean stop leaves an empty journal.
        if (to !== undefined) mine.rotate(to, 0);
      } finally {
        await mine.close();
      }
    },
  };
}
