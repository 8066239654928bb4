import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";
import { describeStoreContract, makeKey, makeProject, makeVersion } from "./store.contract.js";

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
    param: () => "?",
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SQLite hot reads share one read transaction per event-loop turn", () => {
  it("see this store's own writes at once, and another connection's commits from the next turn on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kms-store-"));
    const file = join(dir, "kms.db");
    const a = await openSqliteStore(file);
    const b = await openSqliteStore(file); // another connection to the file, as another process has
    try {
      const project = makeProject();
      await a.insertProject(project);
      const key = makeKey(project);
      expect(await a.insertKey(key, makeVersion(key.id), 1000)).toBe("ok");
      const state = async (s: typeof a) => (await s.getKeyWithVersion(project.id, key.id))?.key.state;

      expect(await state(a)).toBe("enabled"); // a's snapshot for this turn is open now
      await a.updateKey(project.id, key.id, { states: ["enabled"] }, { state: "disabled" });
      expect(await state(a)).toBe("disabled"); // its own write ended the snapshot

      await new Promise((r) => setImmediate(r));
      expect(await state(a)).toBe("disabled"); // a new turn, a new snapshot
      await b.updateKey(project.id, key.id, { states: ["disabled"] }, { state: "enabled" });
      await new Promise((r) => setImmediate(r));
      expect(await state(a)).toBe("enabled");
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
