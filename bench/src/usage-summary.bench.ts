/**
 * Month summary cost at 10,000 and at 10,000,000 metered requests (1,000 custom keys, current
 * month, SQLite). The summary reads rollups keyed by key, principal and day, so both figures
 * should be about the same (target: ≤ 50 ms at 10M).
 *
 *   pnpm --filter @kms/bench bench:usage      (after pnpm build)
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { TCaller, TKey, TOperation, TPrincipal, TUsageCount } from "@kms/domain";
import { createReports, systemClock } from "@kms/engine";
import { openSqliteStore } from "@kms/store";
import { measure, ms } from "./stats.js";

const KEYS = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const OPERATIONS: TOperation[] = [
  "encrypt-data",
  "decrypt-data",
  "create-datakey",
  "decrypt-datakey",
  "describe-key",
];
const HOUR_MS = 3_600_000;

async function scenario(totalRequests: number) {
  const dir = mkdtempSync(join(tmpdir(), "kms-usage-bench-"));
  // NORMAL only speeds up seeding; the summary only reads.
  const store = await openSqliteStore(join(dir, "kms.db"), { synchronous: "NORMAL" });
  try {
    const now = new Date();
    const domainId = `d-${randomUUID()}`;
    const project = {
      id: `p-${randomUUID()}`,
      domainId,
      name: "bench",
      region: "eu-west-101",
      createdAt: now,
    };
    await store.insertProject(project);
    const principals: TPrincipal[] = [
      { kind: "user", id: randomUUID(), name: "admin", role: "admin" },
      { kind: "service", id: randomUUID(), name: "OBS", service: "obs" },
      { kind: "service", id: randomUUID(), name: "EVS", service: "evs" },
      { kind: "service", id: randomUUID(), name: "RDS app", service: "dds" },
    ];
    for (const principal of principals) {
      await store.insertPrincipal({ principal, domainId, passwordHash: null, createdAt: now });
    }
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const hoursSoFar = Math.max(1, Math.floor((now.getTime() - monthStart) / HOUR_MS));
    const keys: TKey[] = [];
    for (let i = 0; i < KEYS; i++) {
      const id = randomUUID();
      const key: TKey = {
        id,
        projectId: project.id,
        domainId,
        alias: `bench-${i}`,
        description: "",
        spec: "AES_256",
        usage: "ENCRYPT_DECRYPT",
        origin: "kms",
        state: "enabled",
        isDefault: false,
        service: null,
        createdAt: new Date(monthStart - 86_400_000),
        updatedAt: now,
        deletionScheduledAt: null,
        deletionDate: null,
        currentVersion: 1,
        rotation: { enabled: false, intervalDays: 365, lastRotatedAt: null, rotationCount: 0 },
        lastUsedAt: null,
      };
      const version = {
        keyId: id,
        version: 1,
        createdAt: key.createdAt,
        wrappedMaterial: randomBytes(60),
        publicKey: null,
      };
      if ((await store.insertKey(key, version, KEYS + 1)) !== "ok") throw new Error("seed insert failed");
      keys.push(key);
    }

    // Aggregated hourly counts, as the group committer writes them: per key up to 72 (hour,
    // operation, principal) cells, spread over the month so far, summing exactly to the total.
    const started = performance.now();
    const perKey = Math.floor(totalRequests / KEYS);
    let remainder = totalRequests - perKey * KEYS;
    let batch: TUsageCount[] = [];
    let written = 0;
    for (const [k, key] of keys.entries()) {
      let requests = perKey + (remainder-- > 0 ? 1 : 0);
      const cells = Math.min(72, requests);
      for (let c = 0; c < cells; c++) {
        const count = c === cells - 1 ? requests : Math.floor(requests / (cells - c));
        requests -= count;
        const hour = monthStart + ((k * 7 + c * 13) % hoursSoFar) * HOUR_MS;
        batch.push({
          projectId: project.id,
          domainId,
          keyId: key.id,
          principalId: principals[(k + c) % principals.length]!.id,
          operation: OPERATIONS[c % OPERATIONS.length]!,
          hour: new Date(hour),
          count,
        });
        written += count;
        if (batch.length >= 20_000) {
          await store.recordUsage(batch, []);
          batch = [];
        }
      }
    }
    if (batch.length) await store.recordUsage(batch, []);
    if (written !== totalRequests) throw new Error(`seeded ${written}, wanted ${totalRequests}`);
    const seedMs = performance.now() - started;

    const reports = createReports({ store, clock: systemClock });
    const caller: TCaller = { principal: principals[0]!, projectId: project.id, domainId };
    const month = now.toISOString().slice(0, 7);
    const summary = await reports.monthSummary(caller, month);
    if (summary.totalRequests !== totalRequests) throw new Error(`summary saw ${summary.totalRequests}`);
    // Ten untimed runs first: the first scenario would otherwise pay for JIT warm-up.
    const figures = await measure(() => reports.monthSummary(caller, month), RUNS, 10);
    return { ...figures, seedMs, summary };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = await scenario(10_000);
const large = await scenario(10_000_000);
const line = (label: string, r: typeof small) =>
  `${label}: monthSummary p50 ${ms(r.p50)}, p95 ${ms(r.p95)} over ${r.runs} runs ` +
  `(seeded in ${(r.seedMs / 1000).toFixed(1)} s; total ${r.summary.total} ${r.summary.currency}, ` +
  `${r.summary.byKey.length} keys, ${r.summary.daily.length} days)`;
console.log(`month summary, ${KEYS} custom keys, SQLite`);
console.log(line("     10,000 requests", small));
console.log(line(" 10,000,000 requests", large));
console.log(
  `ratio 10M / 10k: p50 ${(large.p50 / small.p50).toFixed(2)}×, p95 ${(large.p95 / small.p95).toFixed(2)}× ` +
    `(target: p95 ≤ 50 ms at 10M, about the same as at 10k)`,
);
