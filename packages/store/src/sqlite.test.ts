import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";
import { FileSync, sqliteDialect } from "./sqlite-driver.js";
import { describeStoreContract, makeKey, makeProject, makeVersion } from "./store.contract.js";
import type { DirectWriter, FullStore } from "./store.js";

describeStoreContract("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-store-"));
  const file = join(dir, "kms.db");
  return {
    open: () => openSqliteStore(file),
    async raw(sqlText, params) {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return db.prepare(sqlText).all(...params) as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
    async exec(sqlText, params) {
      const db = new BetterSqlite3(file);
      try {
        db.prepare(sqlText).run(...params);
      } finally {
        db.close();
      }
    },
    param: () => "?",
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** A fresh database file; every store opened on it is closed and the file removed afterwards. */
async function withDatabaseFile(
  run: (file: string, open: () => Promise<FullStore>) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kms-store-"));
  const file = join(dir, "kms.db");
  const opened: FullStore[] = [];
  try {
    await run(file, async () => {
      const store = await openSqliteStore(file);
      opened.push(store);
      return store;
    });
  } finally {
    for (const store of opened) await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe("SQLite hot reads share one read transaction per event-loop turn", () => {
  it("see this store's own writes at once, and another connection's commits from the next turn on", () =>
    withDatabaseFile(async (_file, open) => {
      const a = await open();
      const b = await open(); // another connection to the file, as another process has
      const project = makeProject();
      await a.insertProject(project);
      const key = makeKey(project);
      expect(await a.insertKey(key, makeVersion(key.id), 1000)).toBe("ok");
      const state = async (s: typeof a) => (await s.getKey(project.id, key.id))?.state;

      expect(await state(a)).toBe("enabled"); // a's snapshot for this turn is open now
      await a.updateKey(project.id, key.id, { states: ["enabled"] }, { state: "disabled" });
      expect(await state(a)).toBe("disabled"); // its own write ended the snapshot

      await nextTurn();
      expect(await state(a)).toBe("disabled"); // a new turn, a new snapshot
      await b.updateKey(project.id, key.id, { states: ["disabled"] }, { state: "enabled" });
      await nextTurn();
      expect(await state(a)).toBe("enabled");
    }));

  it("answer a key lookup from a read transaction begun after it was asked for", () =>
    withDatabaseFile(async (file, open) => {
      const a = await open();
      const project = makeProject();
      await a.insertProject(project);
      const key = makeKey(project);
      await a.insertKey(key, makeVersion(key.id), 1000);
      await nextTurn();

      expect((await a.getKey(project.id, key.id))?.state).toBe("enabled"); // opens this turn's snapshot
      // Another process disables the key while that snapshot is open, before the lookup is asked for.
      const other = new BetterSqlite3(file);
      other.prepare("update keys set state = 'disabled' where id = ?").run(key.id);
      other.close();
      expect((await a.getKeyWithVersion(project.id, key.id))?.key.state).toBe("disabled");
      expect((await a.getKey(project.id, key.id))?.state).toBe("disabled"); // and the turn's reads moved on with it
    }));
});

describe("SQLite writes and another process's write lock", () => {
  it("wait for the lock without blocking the event loop, then commit", () =>
    withDatabaseFile(async (file, open) => {
      const store = await open();
      const project = makeProject();
      await store.insertProject(project);
      const other = new BetterSqlite3(file); // another process, in the middle of a long transaction
      other.exec("begin immediate");
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      const key = makeKey(project);
      const single = store.updateKey(project.id, "no-such-key", {}, { description: "x" }); // one statement
      const transaction = store.insertKey(key, makeVersion(key.id), 1000); // a transaction
      try {
        await new Promise((r) => setTimeout(r, 200));
        expect(ticks).toBeGreaterThan(10); // the loop kept running while both writes waited
      } finally {
        clearInterval(ticker);
        other.exec("commit");
        other.close();
      }
      expect(await transaction).toBe("ok");
      await single;
      expect((await store.getKey(project.id, key.id))?.id).toBe(key.id);
    }));
});

describe("SQLite direct write transactions (the metering flush)", () => {
  /** A Kysely instance and the direct writer over one connection, as openSqliteStore sets them up. */
  async function withDriver(
    run: (db: Kysely<{ t: { v: string } }>, transact: DirectWriter) => Promise<void>,
  ) {
    await withDatabaseFile(async (file) => {
      const connection = new BetterSqlite3(file);
      connection.pragma("journal_mode = WAL");
      const { dialect, transact } = sqliteDialect(connection, file);
      const db = new Kysely<{ t: { v: string } }>({ dialect });
      try {
        await sql`create table t (v text not null)`.execute(db);
        await run(db, transact);
      } finally {
        await db.destroy();
      }
    });
  }
  const insert = (v: string | null) => CompiledQuery.raw("insert into t (v) values (?)", [v]);
  const values = async (db: Kysely<{ t: { v: string } }>) =>
    (await db.selectFrom("t").select("v").orderBy("v").execute()).map((r) => r.v);

  it("wait for a transaction in progress on the connection instead of joining it", () =>
    withDriver(async (db, transact) => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const rolledBack = db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ v: "in the transaction" }).execute();
        await gate;
        throw new Error("roll back");
      });
      let written = false;
      const direct = transact([insert("direct")]).then(() => {
        written = true;
      });
      await nextTurn();
      await nextTurn();
      expect(written).toBe(false);
      open();
      await expect(rolledBack).rejects.toThrow("roll back");
      await direct;
      expect(await values(db)).toEqual(["direct"]);
    }));

  it("roll back as a whole when a statement fails, and leave the connection usable", () =>
    withDriver(async (db, transact) => {
      await expect(transact([insert("first"), insert(null)])).rejects.toThrow(/NOT NULL/);
      expect(await values(db)).toEqual([]);
      await transact([insert("a"), insert("b")]);
      expect(await values(db)).toEqual(["a", "b"]);
    }));
});

describe("file sync (the WAL's)", () => {
  it("syncs inline while the disk is fast, on the thread pool for a while after a slow sync", () =>
    withDatabaseFile(async (file, open) => {
      await (await open()).close(); // creates the database
      const db = new BetterSqlite3(file);
      db.pragma("journal_mode = WAL");
      db.exec("create table t (n integer)");
      const insert = db.prepare("insert into t (n) values (?)");

      const fast = new FileSync(`${file}-wal`, Number.POSITIVE_INFINITY);
      insert.run(1);
      await fast.sync();
      expect(fast.onThreadPool).toBe(false);
      await fast.close();

      // Every inline sync counts as slow: the next ones go to the thread pool, and commits that land
      // while one runs share the one queued after it.
      const slow = new FileSync(`${file}-wal`, -1);
      insert.run(2);
      await slow.sync();
      expect(slow.onThreadPool).toBe(true);
      const syncs = [2, 3, 4].map((n) => {
        insert.run(n + 10);
        return slow.sync();
      });
      expect(syncs[1]).toBe(syncs[2]); // queued behind the running one, shared
      await Promise.all(syncs);
      // After at most 64 syncs on the thread pool, inline is tried again.
      let onThreadPool = 0;
      while (slow.onThreadPool && onThreadPool < 100) {
        await slow.sync();
        onThreadPool += 1;
      }
      expect(onThreadPool).toBeLessThan(64);
      expect(slow.onThreadPool).toBe(false);
      await slow.close();
      expect(db.prepare("select count(*) as n from t").get()).toEqual({ n: 5 });
      db.close();
    }));
});
