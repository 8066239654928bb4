/**
 * Key list cost at 1,000 and at 100,000 keys (SQLite): a state filter, an alias-prefix search and
 * an alias sort, 50 keys a page. The cursors are followed once from page 1 to page 50 (or the last
 * page, when the filtered set is shorter), then that page is fetched again and again with its
 * cursor. Timed through the store alone and through engine.listKeys (which also meters the call).
 * Target (the BFF's GET /api/keys): p95 ≤ 10 ms at 100,000 keys and ≤ 2× the 1,000-key figure.
 *
 *   pnpm --filter @kms/bench bench:list      (after pnpm build)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  HIDDEN_SERVICES,
  type TKey,
  type TKeyListQuery,
  type TKeySpec,
  type TKeyState,
  ZKeyListQuery,
} from "@kms/domain";
import { createKms, createRootKey, systemClock, systemRandom } from "@kms/engine";
import { openSqliteStore } from "@kms/store";
import { measure, ms } from "./stats.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const TARGET_PAGE = 50;
const TEAMS = 20;
const STATES: TKeyState[] = [
  "enabled",
  "enabled",
  "enabled",
  "enabled",
  "enabled",
  "enabled",
  "disabled",
  "disabled",
  "disabled",
  "pending_deletion",
];
const SPECS: TKeySpec[] = ["AES_256", "AES_256", "SM4", "RSA_2048", "EC_P256", "HMAC_256"];
// About 5% of keys match the search, 90% of those the filter.
const QUERY: TKeyListQuery = {
  search: "team07-",
  states: ["enabled", "disabled"],
  sort: "alias",
  order: "asc",
  limit: 50,
};

async function scenario(count: number) {
  const dir = mkdtempSync(join(tmpdir(), "kms-list-bench-"));
  const file = join(dir, "kms.db");
  try {
    // Seed with synchronous=NORMAL (fast inserts), then measure on a store opened as served (FULL).
    const seeding = await openSqliteStore(file, { synchronous: "NORMAL" });
    const rootKey = createRootKey(randomBytes(32));
    const kms = createKms({
      store: seeding,
      clock: systemClock,
      random: systemRandom,
      rootKey,
    });
    const provisioned = await kms.provisionProject({ name: "bench", region: "eu-west-101" });
    const projectId = provisioned.project.id;
    const started = performance.now();
    const base = Date.UTC(2025, 0, 1);
    for (let i = 0; i < count; i++) {
      const id = systemRandom.uuid();
      const createdAt = new Date(base + i * 1000);
      const key: TKey = {
        id,
        projectId,
        domainId: provisioned.project.domainId,
        alias: `team${String(i % TEAMS).padStart(2, "0")}-svc-${String(i).padStart(6, "0")}`,
        description: "",
        spec: SPECS[i % SPECS.length]!,
        usage: "ENCRYPT_DECRYPT",
        origin: "kms",
        state: STATES[Math.floor(i / TEAMS) % STATES.length]!,
        isDefault: false,
        service: null,
        createdAt,
        updatedAt: createdAt,
        deletionScheduledAt: null,
        deletionDate: null,
        currentVersion: 1,
        rotation: { enabled: false, intervalDays: 365, lastRotatedAt: null, rotationCount: 0 },
        lastUsedAt: null,
      };
      const version = { keyId: id, version: 1, createdAt, wrappedMaterial: randomBytes(60), publicKey: null };
      if ((await seeding.insertKey(key, version, count + 1)) !== "ok") throw new Error("seed insert failed");
    }
    const seedMs = performance.now() - started;
    await kms.close();
    await seeding.close();

    const store = await openSqliteStore(file);
    const engine = createKms({
      store,
      clock: systemClock,
      random: systemRandom,
      rootKey,
    });
    try {
      const found = await engine.authenticate(provisioned.users.viewer.ak);
      if (!found) throw new Error("viewer credential not found");
      const caller = found.caller;

      let cursor: string | undefined;
      let page = 1;
      let total = 0;
      for (; page < TARGET_PAGE; page++) {
        const result = await engine.listKeys(caller, { ...QUERY, ...(cursor ? { cursor } : {}) });
        total = result.total;
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      const query = { ...QUERY, ...(cursor ? { cursor } : {}) };
      const parsed = ZKeyListQuery.parse(query);
      const check = await engine.listKeys(caller, query);
      const storeOnly = await measure(() => store.listKeys(projectId, parsed, HIDDEN_SERVICES), RUNS, 20);
      const viaEngine = await measure(() => engine.listKeys(caller, query), RUNS, 20);
      return { count, page, total, items: check.items.length, storeOnly, viaEngine, seedMs };
    } finally {
      await engine.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = await scenario(1_000);
const large = await scenario(100_000);
console.log(
  `key list: search "${QUERY.search}", states ${QUERY.states?.join("+")}, sort ${QUERY.sort} ${QUERY.order}, 50 a page`,
);
for (const r of [small, large]) {
  console.log(
    `${String(r.count).padStart(7)} keys (seeded in ${(r.seedMs / 1000).toFixed(1)} s): page ${r.page} ` +
      `(${r.items} items, total ${r.total}) — store.listKeys p50 ${ms(r.storeOnly.p50)} p95 ${ms(r.storeOnly.p95)}; ` +
      `engine.listKeys (metered) p50 ${ms(r.viaEngine.p50)} p95 ${ms(r.viaEngine.p95)}`,
  );
}
console.log(
  `ratio 100k / 1k p95: store ${(large.storeOnly.p95 / small.storeOnly.p95).toFixed(2)}×, ` +
    `engine ${(large.viaEngine.p95 / small.viaEngine.p95).toFixed(2)}× (target: p95 ≤ 10 ms and ≤ 2×)`,
);
if (small.page < TARGET_PAGE) {
  console.log(
    `note: at ${small.count} keys the filtered set ends on page ${small.page}; that page is timed instead of page ${TARGET_PAGE}`,
  );
}
