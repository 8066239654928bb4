import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type TKeyListQuery, type TKeySpec, type TKeyState, ZKeyListQuery } from "@kms/domain";
import type { KmsStore } from "@kms/engine";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeysQueries } from "./list-keys.js";
import { keyToRow, versionToRow } from "./rows.js";
import type { Database } from "./schema.js";
import { openSqliteStore } from "./sqlite.js";
import { makeKey, makeProject, makeVersion } from "./store.contract.js";

const KEYS = 100_000;
const STATES: TKeyState[] = ["enabled", "disabled", "pending_deletion", "enabled"];
const SPECS: TKeySpec[] = ["AES_256", "RSA_2048", "EC_P256", "HMAC_256", "SM4"];

describe("listKeys over 100,000 keys (SQLite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-scale-"));
  const file = join(dir, "kms.db");
  const project = makeProject();
  let store: KmsStore;
  let raw: BetterSqlite3.Database;
  let compiler: Kysely<Database>;

  beforeAll(async () => {
    store = await openSqliteStore(file);
    await store.insertProject(project);
    raw = new BetterSqlite3(file);
    const started = performance.now();
    const columns = Object.keys(keyToRow(makeKey(project)));
    const insertKey = raw.prepare(
      `insert into keys (${columns.join(", ")}) values (${columns.map((c) => `@${c}`).join(", ")})`,
    );
    const insertVersion = raw.prepare(
      "insert into key_versions (key_id, version, created_at, wrapped_material, public_key) values (@key_id, @version, @created_at, @wrapped_material, @public_key)",
    );
    raw.transaction(() => {
      for (let i = 0; i < KEYS; i++) {
        const key = makeKey(project, {
          alias: `key-${String(i).padStart(6, "0")}`,
          state: STATES[i % STATES.length]!,
          spec: SPECS[i % SPECS.length]!,
          createdAt: new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 3) * 1000),
        });
        insertKey.run(keyToRow(key));
        insertVersion.run(versionToRow(makeVersion(key.id)));
      }
    })();
    console.log(`inserted ${KEYS} keys in ${(performance.now() - started).toFixed(0)} ms`);
    // A Kysely instance only to compile the store's queries for EXPLAIN.
    compiler = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    raw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = (q: TKeyListQuery) => {
    const { pages } = listKeysQueries(compiler, project.id, ZKeyListQuery.parse(q), []);
    const compiled = pages[0]!.compile();
    const rows = raw.prepare(`explain query plan ${compiled.sql}`).all(...compiled.parameters) as Array<{
      detail: string;
    }>;
    return rows.map((r) => r.detail);
  };

  const timed = async (label: string, q: TKeyListQuery) => {
    const query = ZKeyListQuery.parse(q);
    await store.listKeys(project.id, query, []);
    const runs = 20;
    const started = performance.now();
    let page = await store.listKeys(project.id, query, []);
    for (let i = 1; i < runs; i++) page = await store.listKeys(project.id, query, []);
    const perPage = (performance.now() - started) / runs;
    // The same page and count statements alone, to show where the time goes.
    const { pages, counts } = listKeysQueries(compiler, project.id, query, []);
    const alone = (compiled: { sql: string; parameters: readonly unknown[] }) => {
      const stmt = raw.prepare(compiled.sql);
      const t = performance.now();
      for (let i = 0; i < runs; i++) stmt.all(...compiled.parameters);
      return ((performance.now() - t) / runs).toFixed(2);
    };
    console.log(
      `${label}: listKeys ${perPage.toFixed(2)} ms (page queries ${pages.map((p) => alone(p.compile())).join(" + ")} ms, count ${counts.map((c) => alone(c.compile())).join(" + ")} ms, total ${page.total})`,
    );
    return page;
  };

  it("answers the default page from the (project_id, destroyed_at, created_at, id) index, without a sort", () => {
    const detail = plan({}).join("\n");
    console.log(`plan (default sort):\n${detail}`);
    expect(detail).toMatch(/USING (COVERING )?INDEX keys_list_created/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
    expect(detail).not.toMatch(/^SCAN keys$/m);
  });

  it("continues after a cursor with an index seek, for every sort", async () => {
    const first = await store.listKeys(project.id, ZKeyListQuery.parse({ limit: 50 }), []);
    const detail = plan({ cursor: first.nextCursor! }).join("\n");
    console.log(`plan (after a cursor):\n${detail}`);
    expect(detail).toMatch(
      /SEARCH keys USING INDEX keys_list_created \(project_id=\? AND destroyed_at=\? AND \(created_at,id\)<\(\?,\?\)\)/,
    );
    for (const [sort, index] of [
      ["alias", "keys_live_alias"],
      ["state", "keys_list_state"],
      ["spec", "keys_list_spec"],
      ["lastUsedAt", "keys_list_last_used"],
    ] as const) {
      const detailForSort = plan({ sort }).join("\n");
      expect(detailForSort, sort).toMatch(new RegExp(`INDEX ${index}`));
      expect(detailForSort, sort).not.toMatch(/TEMP B-TREE/);
    }
  });

  it("counts totals from the counters, or from covering index ranges when searching", () => {
    const countPlans = (q: TKeyListQuery) =>
      listKeysQueries(compiler, project.id, ZKeyListQuery.parse(q), []).counts.map((c) => {
        const compiled = c.compile();
        const rows = raw.prepare(`explain query plan ${compiled.sql}`).all(...compiled.parameters) as Array<{
          detail: string;
        }>;
        return rows.map((r) => r.detail).join("\n");
      });
    const searchPlan = plan({ search: "key-0999", states: ["enabled"], sort: "alias", order: "asc" }).join(
      "\n",
    );
    console.log(`page plan (search):\n${searchPlan}`);
    expect(searchPlan).toMatch(
      /INDEX (keys_search_alias|keys_live_alias) \(project_id=\? AND (destroyed_at=\? AND )?alias>\? AND alias<\?\)/,
    );
    const [plain] = countPlans({ states: ["enabled"], specs: ["AES_256"] });
    expect(plain).toMatch(/key_counts/);
    const [byAlias, byId] = countPlans({ search: "key-0999", states: ["enabled"] });
    console.log(`count plans (search):\n${byAlias}\n${byId}`);
    expect(byAlias).toMatch(/COVERING INDEX keys_search_alias/);
    expect(byId).toMatch(/COVERING INDEX keys_search_id/);
  });

  it("pages through a deep range at the cost of one page (timings printed)", async () => {
    const first = await timed("first page, createdAt desc", { limit: 50 });
    expect(first.items).toHaveLength(50);
    expect(first.total).toBe(KEYS);

    // Walk 200 pages of 50 and time a page deep into the listing.
    let cursor = first.nextCursor!;
    for (let i = 0; i < 200; i++) {
      const page = await store.listKeys(project.id, ZKeyListQuery.parse({ limit: 50, cursor }), []);
      cursor = page.nextCursor!;
    }
    await timed("page 201 by cursor, createdAt desc", { limit: 50, cursor });
    await timed("first page, alias asc", { sort: "alias", order: "asc", limit: 50 });
    const searched = await timed("search alias prefix key-0999", { search: "key-0999", limit: 50 });
    expect(searched.total).toBe(100);
    const filtered = await timed("states [disabled], specs [SM4]", {
      states: ["disabled"],
      specs: ["SM4"],
      limit: 50,
    });
    expect(filtered.total).toBe(KEYS / 20);
    const none = await timed("search key-0999 with no match in the filter", {
      search: "key-0999",
      states: ["pending_import"],
      sort: "alias",
      order: "asc",
      limit: 50,
    });
    expect(none.total).toBe(0);
    await timed("offset 50,000 (Huawei marker)", { offset: 50_000, limit: 50 });
  }, 60_000);
});
