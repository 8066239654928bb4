/**
 * Console list benchmark (not a test): GET /api/keys with a filter, a search and a sort, page 50,
 * through the real BFF (session, CSRF-free GET, engine, SQLite store, requestsThisMonth), at 1,000
 * and at 100,000 keys.
 *
 *   pnpm --filter @kms/bench bench:bff      (after `pnpm build`)
 *   BENCH_SAMPLES=200 BENCH_BIG=100000 pnpm --filter @kms/bench bench:bff
 *
 * The first 1,000 keys are inserted through the store (no engine, no metering); the store's insert
 * counts the project's keys for the quota, so 100,000 that way is quadratic: the rest are copied
 * from those rows in one SQL statement (same columns, new ids, aliases and creation times). The
 * cursor is walked to page 50 once; that page's request is then timed BENCH_SAMPLES times over
 * real HTTP on loopback.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "@kms/bff";
import { HIDDEN_SERVICES, type TKey, type TKeySpec, type TKeyState, ZKeyListQuery } from "@kms/domain";
import { createKms, createReports, createRootKey, systemClock, systemRandom } from "@kms/engine";
import { openSqliteStore } from "@kms/store";
import BetterSqlite3 from "better-sqlite3";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const SIZES = [Number(process.env.BENCH_SMALL ?? 1_000), Number(process.env.BENCH_BIG ?? 100_000)];
const PAGE = 50;
const TEMPLATE_KEYS = 1_000;
const LIMIT = 10;
const STATES: TKeyState[] = ["enabled", "enabled", "enabled", "disabled"];
const SPECS: TKeySpec[] = ["AES_256", "RSA_2048", "EC_P256", "HMAC_256", "SM4"];
const USAGE = {
  AES_256: "ENCRYPT_DECRYPT",
  SM4: "ENCRYPT_DECRYPT",
  RSA_2048: "SIGN_VERIFY",
  EC_P256: "SIGN_VERIFY",
  HMAC_256: "GENERATE_VERIFY_MAC",
} as const;

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function measure(
  keys: number,
): Promise<{ p50: number; p95: number; storeP50: number; insertMs: number; total: number }> {
  const dir = mkdtempSync(join(tmpdir(), "kms-bff-bench-"));
  const file = join(dir, "kms.sqlite");
  const store = await openSqliteStore(file, { synchronous: "NORMAL" });
  await store.migrate();
  const rootKey = createRootKey(randomBytes(32));
  const engine = createKms({ store, clock: systemClock, random: systemRandom, rootKey });
  const p = await engine.provisionProject({ name: "bench", region: "local-1" });
  const project = p.project;

  const started = performance.now();
  const material = rootKey.wrap(randomBytes(32), "bench");
  for (let i = 0; i < Math.min(keys, TEMPLATE_KEYS); i++) {
    const spec = SPECS[i % SPECS.length]!;
    const createdAt = new Date(Date.UTC(2025, 0, 1) + i * 1000);
    const key: TKey = {
      id: randomUUID(),
      projectId: project.id,
      domainId: project.domainId,
      alias: `key-${String(i).padStart(6, "0")}`,
      description: "",
      spec,
      usage: USAGE[spec as keyof typeof USAGE],
      origin: "kms",
      state: STATES[i % STATES.length]!,
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
    const result = await store.insertKey(
      key,
      { keyId: key.id, version: 1, createdAt, wrappedMaterial: material, publicKey: null },
      Number.MAX_SAFE_INTEGER,
    );
    if (result !== "ok") throw new Error(`insert failed: ${result}`);
  }
  if (keys > TEMPLATE_KEYS) copyKeys(file, keys);
  const insertMs = performance.now() - started;

  const app = createApp({
    engine,
    reports: createReports({ store, clock: systemClock, pricing: engine.pricing }),
    sessions: store,
    clock: systemClock,
    domainId: project.domainId,
  });
  const server = createServer(app).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const login = await fetch(`${base}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: p.users.admin.password }),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const query = `projectId=${project.id}&state=enabled&q=key-00&sort=alias&order=asc&limit=${LIMIT}`;
    const get = async (cursor: string | null) => {
      const url = `${base}/api/keys?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await fetch(url, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`GET /api/keys → ${res.status} ${await res.text()}`);
      return (await res.json()) as {
        items: Array<{ alias: string }>;
        nextCursor: string | null;
        total: number;
      };
    };
    // Walk to page 50 once.
    let cursor: string | null = null;
    let page = await get(null);
    for (let n = 2; n <= PAGE; n++) {
      cursor = page.nextCursor;
      if (!cursor) throw new Error(`only ${n - 1} pages at ${keys} keys`);
      page = await get(cursor);
    }
    for (let i = 0; i < 20; i++) await get(cursor); // warm-up
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await get(cursor);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    // The same page straight from the store, to show how much of the time is the BFF's own.
    const direct = ZKeyListQuery.parse({
      search: "key-00",
      states: ["enabled"],
      sort: "alias",
      order: "asc",
      limit: LIMIT,
      cursor: cursor ?? undefined,
      includeHidden: false,
    });
    const storeTimes: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await store.listKeys(project.id, direct, HIDDEN_SERVICES);
      storeTimes.push(performance.now() - t0);
    }
    storeTimes.sort((a, b) => a - b);
    return {
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      storeP50: percentile(storeTimes, 50),
      insertMs,
      total: page.total,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Copies template key i % 1000 to keys 1000..n-1: state and spec cycle as in the loop above
 * (1000 is a multiple of 4 and 5), creation times keep increasing by one second per key.
 */
function copyKeys(file: string, n: number): void {
  const db = new BetterSqlite3(file);
  try {
    const columns = (db.prepare("pragma table_info(keys)").all() as Array<{ name: string }>).map(
      (c) => c.name,
    );
    const expr = (c: string): string => {
      if (c === "id") return "printf('%08x-0000-4000-8000-%012x', n.i, n.i)";
      if (c === "alias") return "printf('key-%06d', n.i)";
      if (c === "created_at" || c === "updated_at") return `t.${c} + (n.i - n.i % ${TEMPLATE_KEYS}) * 1000`;
      return `t.${c}`;
    };
    db.transaction(() => {
      db.prepare(
        `with recursive n(i) as (select ${TEMPLATE_KEYS} union all select i + 1 from n where i < ${n - 1})
         insert into keys (${columns.join(", ")})
         select ${columns.map(expr).join(", ")} from n join keys t on t.alias = printf('key-%06d', n.i % ${TEMPLATE_KEYS})`,
      ).run();
      db.prepare(
        `insert into key_versions (key_id, version, created_at, wrapped_material, public_key)
         select k.id, 1, k.created_at, (select wrapped_material from key_versions limit 1), null from keys k
         where not exists (select 1 from key_versions v where v.key_id = k.id)`,
      ).run();
    })();
    if (process.env.BENCH_ANALYZE === "1") db.exec("analyze");
  } finally {
    db.close();
  }
}

const results: Array<{ keys: number; p50: number; p95: number }> = [];
for (const keys of SIZES) {
  const r = await measure(keys);
  results.push({ keys, p50: r.p50, p95: r.p95 });
  console.log(
    `${keys.toLocaleString("en-US")} keys (inserted in ${(r.insertMs / 1000).toFixed(1)} s; ${r.total} match the filter): ` +
      `page ${PAGE} p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${SAMPLES} requests ` +
      `(store.listKeys alone: p50 ${r.storeP50.toFixed(2)} ms)`,
  );
}
const [small, big] = results;
if (small && big) {
  const ratio = big.p95 / small.p95;
  console.log(
    `p95 ratio ${big.keys.toLocaleString("en-US")}/${small.keys.toLocaleString("en-US")}: ${ratio.toFixed(2)}× ` +
      `(targets: p95 ≤ 10 ms → ${big.p95 <= 10 ? "met" : "MISSED"}; ≤ 2× → ${ratio <= 2 ? "met" : "MISSED"})`,
  );
}
