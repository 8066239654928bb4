import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { KmsStore } from "@kms/engine";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";
import { audit, makeKey, makeProject, makeVersion, usage } from "./store.contract.js";

// Timings are printed, not asserted: they depend on the machine and its load.
describe("SQLite hot paths (timings printed)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-hot-"));
  const stores: KmsStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seeded = async (name: string, synchronous: "FULL" | "NORMAL") => {
    const store = await openSqliteStore(join(dir, `${name}.db`), { synchronous });
    stores.push(store);
    const project = makeProject();
    await store.insertProject(project);
    const principal = { kind: "service" as const, id: randomUUID(), name: "OBS", service: "obs" as const };
    await store.insertPrincipal({
      principal,
      domainId: project.domainId,
      passwordHash: null,
      createdAt: new Date(),
    });
    const accessKey = `AK${randomUUID()}`;
    await store.insertCredential({
      accessKey,
      wrappedSecretKey: randomBytes(48),
      projectId: project.id,
      principalId: principal.id,
      createdAt: new Date(),
    });
    const key = makeKey(project);
    await store.insertKey(key, makeVersion(key.id), 100);
    return { store, project, key, accessKey };
  };

  it("times getCredential + getKeyWithVersion pairs (target: well under 20 µs a pair)", async () => {
    const { store, project, key, accessKey } = await seeded("reads", "FULL");
    const pair = async () => {
      const c = await store.getCredential(accessKey);
      const k = await store.getKeyWithVersion(project.id, key.id);
      return c !== undefined && k !== undefined;
    };
    for (let i = 0; i < 5_000; i++) await pair();
    const n = 50_000;
    const started = performance.now();
    let ok = true;
    for (let i = 0; i < n; i++) ok = (await pair()) && ok;
    const micros = ((performance.now() - started) * 1000) / n;
    console.log(
      `getCredential + getKeyWithVersion: ${micros.toFixed(2)} µs per pair (${n} pairs, sequential)`,
    );
    expect(ok).toBe(true);
  }, 60_000);

  it("commits metering batches durably (synchronous=FULL vs NORMAL)", async () => {
    const batch = (project: ReturnType<typeof makeProject>, keyId: string, i: number) => ({
      counts: Array.from({ length: 200 }, (_, j) =>
        usage(project, keyId, new Date(Date.UTC(2025, 0, 1, j % 3)), 1 + (i % 2)),
      ),
      audits: Array.from({ length: 5 }, () => audit(project, { keyId })),
    });
    const results: string[] = [];
    for (const mode of ["FULL", "NORMAL"] as const) {
      const { store, project, key } = await seeded(`usage-${mode}`, mode);
      const batches = 200;
      const started = performance.now();
      for (let i = 0; i < batches; i++) {
        const { counts, audits } = batch(project, key.id, i);
        await store.recordUsage(counts, audits);
      }
      const ms = (performance.now() - started) / batches;
      results.push(`${mode}: ${ms.toFixed(3)} ms per batch`);
      expect(await store.sumUsage({ projectId: project.id })).toBe(200 * 100 * 3);
    }
    console.log(`recordUsage, 200 counts + 5 audits per batch, sequential: ${results.join(", ")}`);
  }, 60_000);
});
