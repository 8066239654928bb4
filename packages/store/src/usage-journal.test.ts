import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { TProject, TUsageCount } from "@kms/domain";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";
import { audit, makeKey, makeProject, makeVersion, usage } from "./store.contract.js";
import type { FullStore } from "./store.js";
import { type JournalOptions, journalDirectory } from "./usage-journal.js";

const T0 = Date.UTC(2025, 0, 31, 22);
const hour = (n: number) => new Date(T0 + n * 3_600_000);

const dirs: string[] = [];
const opened: FullStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "kms-journal-"));
  dirs.push(dir);
  return join(dir, "kms.db");
}

async function open(file: string, meteringJournal?: JournalOptions): Promise<FullStore> {
  const store = await openSqliteStore(file, meteringJournal ? { meteringJournal } : {});
  opened.push(store);
  return store;
}

/** Reads a database file directly, past every store (and so past every fold). */
function raw(file: string, sqlText: string): Array<Record<string, unknown>> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare(sqlText).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

const countsInDatabase = (file: string) =>
  Number(raw(file, "select coalesce(sum(count), 0) as n from usage_counts")[0]?.n);

const journalFile = (file: string, name: string) => join(journalDirectory(file), `${name}.log`);

/** The records in a journal's file: its lines after the header. */
const batchesInJournal = (file: string, name: string) =>
  readFileSync(journalFile(file, name), "utf8").split("\n").filter(Boolean).length - 1;

/** A project with keys, inserted into each store given. */
async function seed(...stores: FullStore[]) {
  const project = makeProject();
  const keys = [makeKey(project), makeKey(project), makeKey(project)];
  for (const store of stores) {
    await store.insertProject(project);
    for (const key of keys) expect(await store.insertKey(key, makeVersion(key.id), 1000)).toBe("ok");
  }
  return { project, keyIds: keys.map((k) => k.id) };
}

/** Varied batches: keys and project-level requests, two principals and operations, hours across a day and a month. */
function batches(project: TProject, keyIds: readonly string[], n: number): TUsageCount[][] {
  let seed = 7;
  const pick = (k: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return (seed >>> 16) % k; // the high bits: an LCG's low bits repeat quickly
  };
  return Array.from({ length: n }, () =>
    Array.from({ length: 1 + pick(4) }, () => ({
      ...usage(project, [...keyIds, ""][pick(keyIds.length + 1)]!, hour(pick(5)), 1 + pick(3)),
      principalId: ["p1", "p2"][pick(2)]!,
      operation: (["encrypt-data", "decrypt-data"] as const)[pick(2)]!,
    })),
  );
}

const total = (all: TUsageCount[][]) => all.flat().reduce((sum, c) => sum + c.count, 0);

const USAGE_TABLES = [
  "usage_counts",
  "usage_daily",
  "usage_monthly",
  "usage_key_monthly",
  "usage_principal_monthly",
  "usage_domain_daily",
  "usage_key_principal",
];

/** Every usage table's rows and every key's last use, in a stable order. */
function usageState(file: string): Record<string, string[]> {
  const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
  return {
    ...Object.fromEntries(USAGE_TABLES.map((t) => [t, sorted(raw(file, `select * from ${t}`))])),
    lastUsed: sorted(raw(file, "select id, last_used_at from keys")),
  };
}

describe("metering journals", () => {
  it("fold into exactly the usage tables and last uses that direct writes make", async () => {
    const directFile = databaseFile();
    const journaledFile = databaseFile();
    const direct = await open(directFile);
    const interval = await open(journaledFile, { name: "worker-1", sync: "interval" });
    const batch = await open(journaledFile, { name: "worker-2", sync: "batch" });
    const { project, keyIds } = await seed(direct, interval);
    const all = batches(project, keyIds, 60);

    for (const counts of all) await direct.recordUsage(counts, []);
    await Promise.all(all.map((counts, i) => (i % 2 ? interval : batch).recordUsage(counts, [])));

    // Another process's store (here: one without a journal) reads them all.
    const reader = await open(journaledFile);
    expect(await reader.sumUsage({ projectId: project.id })).toBe(total(all));
    expect(usageState(journaledFile)).toEqual(usageState(directFile));
    expect(usageState(directFile).usage_key_principal?.length).toBeGreaterThan(4);
    expect(readdirSync(journalDirectory(journaledFile)).sort()).toEqual([
      "worker-1.lock",
      "worker-1.log",
      "worker-2.lock",
      "worker-2.log",
    ]);
  });

  it("skip a line a power loss garbled and a line cut short by a kill, and append after them", async () => {
    const file = databaseFile();
    const options: JournalOptions = { name: "kms", sync: "interval", foldIntervalMs: 600_000 };
    const killed = await open(file, options);
    const { project, keyIds } = await seed(killed);
    const [a, b] = batches(project, keyIds, 2) as [TUsageCount[], TUsageCount[]];
    await killed.recordUsage(a, []);
    // A garbled record (NULs where a power loss left blocks unwritten), lines of JSON that are not
    // records, then one cut off by a kill.
    const notRecords = [
      `${"\0".repeat(40)}[["x"]]`,
      `{"count":1}`,
      `[["${project.id}","d","k","p","encrypt-data",${hour(0).getTime()},1,"extra"]]`,
      `[["${project.id}","d","k","p","no-such-operation",${hour(0).getTime()},1]]`,
      `[["${project.id}","d","k","p","encrypt-data","${hour(0).getTime()}",1]]`,
      `[["${project.id}","d","k","p","encrypt-data",${hour(0).getTime()},-1]]`,
      `[["${project.id}","d","k",7,"encrypt-data",${hour(0).getTime()},1]]`,
    ];
    appendFileSync(journalFile(file, "kms"), `${notRecords.join("\n")}\n[["${project.id}", "`);
    expect(await (await open(file)).sumUsage({})).toBe(total([a]));
    await killed.close(); // leaves the lines as they are: the file is not what it wrote

    // The next owner cuts the torn tail off before it appends.
    const next = await open(file, options);
    expect(readFileSync(journalFile(file, "kms"), "utf8").endsWith("\n")).toBe(true);
    await next.recordUsage(b, []);
    await next.close();
    expect(countsInDatabase(file)).toBe(total([a, b]));
  });

  it("are folded by the next store that opens, after a process left without folding", async () => {
    const file = databaseFile();
    const name = "worker-1";
    // A fold interval longer than the test: this process never folds on its own.
    const leaving = await open(file, { name, sync: "interval", foldIntervalMs: 600_000 });
    const { project, keyIds } = await seed(leaving);
    const all = batches(project, keyIds, 10);
    for (const counts of all) await leaving.recordUsage(counts, []);
    expect(countsInDatabase(file)).toBe(0);
    expect(batchesInJournal(file, name)).toBe(10);

    await open(file);
    expect(countsInDatabase(file)).toBe(total(all));

    // The owner's own last fold finds them folded, and it starts the journal afresh.
    await leaving.close();
    expect(countsInDatabase(file)).toBe(total(all));
    expect(batchesInJournal(file, name)).toBe(0);
  });

  it("count every batch once when several stores fold one journal at the same time", async () => {
    const file = databaseFile();
    const writer = await open(file, { name: "worker-1", sync: "interval", foldIntervalMs: 600_000 });
    const readers = [await open(file), await open(file)];
    const { project, keyIds } = await seed(writer);
    const all = batches(project, keyIds, 80);
    const sums: Array<Promise<number>> = [];
    for (const [i, counts] of all.entries()) {
      await writer.recordUsage(counts, []);
      if (i % 4 === 0) for (const reader of readers) sums.push(reader.sumUsage({ projectId: project.id }));
      if (i % 8 === 0) await new Promise((r) => setImmediate(r));
    }
    const seen = await Promise.all(sums);
    // Each read sees at least what was acknowledged before it, and never more than was appended.
    expect(seen.every((n) => n > 0 && n <= total(all))).toBe(true);
    expect(await readers[0]!.sumUsage({})).toBe(total(all));
    await writer.close();
    expect(countsInDatabase(file)).toBe(total(all));
  });

  it("start afresh when a journal file is made again, and keep numbering when it is reopened", async () => {
    const file = databaseFile();
    const options: JournalOptions = { name: "kms", sync: "batch" };
    const first = await open(file, options);
    const { project, keyIds } = await seed(first);
    const [a, b, c] = batches(project, keyIds, 3) as [TUsageCount[], TUsageCount[], TUsageCount[]];
    await first.recordUsage(a, []);
    await first.close();

    const reopened = await open(file, options);
    await reopened.recordUsage(b, []);
    await reopened.close();
    expect(countsInDatabase(file)).toBe(total([a, b]));

    rmSync(journalDirectory(file), { recursive: true });
    const remade = await open(file, options);
    await remade.recordUsage(c, []);
    expect(await remade.sumUsage({})).toBe(total([a, b, c]));
    expect(existsSync(journalFile(file, "kms"))).toBe(true);
  });

  it("leave batches with audit events to the database, which numbers the audit feed", async () => {
    const file = databaseFile();
    const store = await open(file, { name: "kms", sync: "interval", foldIntervalMs: 600_000 });
    const { project, keyIds } = await seed(store);
    await store.recordUsage([usage(project, keyIds[0]!, hour(0), 2)], [audit(project)]);
    expect(countsInDatabase(file)).toBe(2);
    expect(raw(file, "select seq from audit_events")).toEqual([{ seq: 1 }]);
    expect(batchesInJournal(file, "kms")).toBe(0);
  });

  it("give each process its own journal file, taking over a lock whose process is gone", async () => {
    const file = databaseFile();
    const dir = journalDirectory(file);
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dir, "kms.lock"), JSON.stringify({ pid: gone, host: hostname() }));
    // Another host's lock: its process cannot be looked at from here, so it is never taken over.
    writeFileSync(join(dir, "bff.lock"), JSON.stringify({ pid: gone, host: `not-${hostname()}` }));
    const options = (name: string): JournalOptions => ({ name, sync: "batch", foldIntervalMs: 600_000 });

    const first = await open(file, options("kms"));
    const second = await open(file, options("kms"));
    const bff = await open(file, options("bff"));
    const { project, keyIds } = await seed(first);
    const [a, b, c] = batches(project, keyIds, 3) as [TUsageCount[], TUsageCount[], TUsageCount[]];
    await first.recordUsage(a, []);
    await second.recordUsage(b, []);
    await bff.recordUsage(c, []);
    expect(readdirSync(dir).sort()).toEqual([
      "bff-2.lock",
      "bff-2.log",
      "bff.lock",
      "kms-2.lock",
      "kms-2.log",
      "kms.lock",
      "kms.log",
    ]);
    expect(JSON.parse(readFileSync(join(dir, "kms.lock"), "utf8"))).toEqual({
      pid: process.pid,
      host: hostname(),
    });
    expect([
      batchesInJournal(file, "kms"),
      batchesInJournal(file, "kms-2"),
      batchesInJournal(file, "bff-2"),
    ]).toEqual([1, 1, 1]);

    for (const store of [first, second, bff]) await store.close();
    expect(countsInDatabase(file)).toBe(total([a, b, c]));
    expect(readdirSync(dir).filter((n) => n.endsWith(".lock"))).toEqual(["bff.lock"]);
  });

  it("take over a stale lock only under its takeover file, so that two processes never both do", async () => {
    const file = databaseFile();
    const dir = journalDirectory(file);
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    const lock = join(dir, "kms.lock");
    const guard = `${lock}.takeover`;
    const stale = JSON.stringify({ pid: gone, host: hostname() });
    writeFileSync(lock, stale);
    const options: JournalOptions = { name: "kms", sync: "batch", foldIntervalMs: 600_000 };

    // A running process (this one's parent) is taking the stale lock over: it is left to it.
    writeFileSync(guard, JSON.stringify({ pid: process.ppid, host: hostname() }));
    const second = await open(file, options);
    expect(readFileSync(lock, "utf8")).toBe(stale);
    expect(existsSync(join(dir, "kms-2.lock"))).toBe(true);

    // The takeover's maker died before it finished: the next process takes the lock over.
    writeFileSync(guard, stale);
    const first = await open(file, options);
    expect(JSON.parse(readFileSync(lock, "utf8"))).toEqual({ pid: process.pid, host: hostname() });
    expect(existsSync(guard)).toBe(false);
    const { project, keyIds } = await seed(first);
    await first.recordUsage(batches(project, keyIds, 1)[0]!, []);
    expect(batchesInJournal(file, "kms")).toBe(1);
    for (const store of [first, second]) await store.close();
  });

  it("refuse a journal name that is not a plain file name", async () => {
    await expect(
      openSqliteStore(databaseFile(), { meteringJournal: { name: "../x", sync: "batch" } }),
    ).rejects.toThrow(/invalid metering journal name/);
  });
});
