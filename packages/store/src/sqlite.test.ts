import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { openSqliteStore } from "./sqlite.js";
import { describeStoreContract } from "./store.contract.js";

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
