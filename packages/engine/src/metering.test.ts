import type { TAuditEvent, TUsageCount } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { createMeter } from "./metering.js";
import type { KmsStore } from "./ports.js";
import { createInMemoryStore, createTestEngine, errorCode } from "./testing/index.js";

const item = (operation: "encrypt-data" | "decrypt-data", hour = new Date("2025-01-01T10:00:00Z")) => ({
  projectId: "p",
  domainId: "d",
  keyId: "k",
  principalId: "u",
  operation,
  hour,
});

/** A store whose recordUsage waits until the test lets it finish. */
function gatedStore() {
  const calls: Array<{
    counts: TUsageCount[];
    audits: TAuditEvent[];
    release: () => void;
    fail: () => void;
  }> = [];
  const store = {
    recordUsage: (counts: TUsageCount[], audits: TAuditEvent[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ counts, audits, release: resolve, fail: () => reject(new Error("disk full")) });
      }),
  } as unknown as KmsStore;
  return { store, calls };
}

const tick = () => new Promise((r) => setImmediate(r));
/** A flush starts once a turn has passed without new requests: two turns after a burst. */
const flushTurns = async () => {
  await tick();
  await tick();
};

describe("group-committed metering", () => {
  it("aggregates a burst into one write and answers only after it is durable", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true });
    let answered = 0;
    const records = Array.from({ length: 50 }, (_, i) =>
      meter.record(item(i % 2 ? "encrypt-data" : "decrypt-data"), []).then(() => answered++),
    );
    await flushTurns();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.counts.map((c) => c.count).sort()).toEqual([25, 25]);
    await tick();
    expect(answered).toBe(0);

    // Requests arriving during the flush wait for the next one, which starts after the first ends.
    const late = meter.record(item("encrypt-data"), []);
    await flushTurns();
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    await Promise.all(records);
    expect(answered).toBe(50);
    await flushTurns();
    expect(calls).toHaveLength(2);
    calls[1]!.release();
    await late;
  });

  it("keeps gathering while every turn brings new requests, and flushes the turn after they stop", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true, maxDelayMs: 60_000 });
    const records: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i++) {
      records.push(meter.record(item("encrypt-data"), []));
      await tick();
    }
    expect(calls).toHaveLength(0);
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.counts[0]!.count).toBe(5);
    calls[0]!.release();
    await Promise.all(records);
  });

  it("flushes maxDelayMs after the batch's first request even while requests keep arriving", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true, maxDelayMs: 30 });
    const started = Date.now();
    const records: Array<Promise<void>> = [];
    while (calls.length === 0 && Date.now() - started < 5_000) {
      records.push(meter.record(item("encrypt-data"), []));
      await tick();
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(records.length).toBeGreaterThan(1);
    expect(calls[0]!.counts[0]!.count).toBe(records.length);
    calls[0]!.release();
    await Promise.all(records);
  });

  it("keeps hours apart and rejects the waiters with KMS.0101 when the store fails", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true });
    const a = meter.record(item("encrypt-data", new Date("2025-01-01T10:00:00Z")), []);
    const b = meter.record(item("encrypt-data", new Date("2025-01-01T11:00:00Z")), []);
    await flushTurns();
    expect(calls[0]!.counts).toHaveLength(2);
    calls[0]!.fail();
    expect(await errorCode(a)).toBe("KMS.0101");
    expect(await errorCode(b)).toBe("KMS.0101");
  });

  it("counts each dimension apart however the requests interleave", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true });
    const other = new Date("2025-01-01T11:00:00Z");
    const variants = [
      item("encrypt-data"),
      { ...item("encrypt-data"), projectId: "p2" },
      { ...item("encrypt-data"), domainId: "d2" },
      { ...item("encrypt-data"), keyId: "k2" },
      { ...item("encrypt-data"), principalId: "u2" },
      item("decrypt-data"),
      item("encrypt-data", other),
    ];
    // each variant right after the first (they differ in one field), in runs, and back again
    const order = [0, 0, 1, 1, 0, 2, 0, 3, 3, 0, 4, 0, 5, 0, 6, 6, 0, 6, 2, 1];
    const records = order.map((i) => meter.record({ ...variants[i]! }, []));
    await flushTurns();
    const counted = calls[0]!.counts.map((c) => [
      `${c.projectId} ${c.domainId} ${c.keyId} ${c.principalId} ${c.operation} ${c.hour.toISOString()}`,
      c.count,
    ]);
    const expected = variants.map((v, i) => [
      `${v.projectId} ${v.domainId} ${v.keyId} ${v.principalId} ${v.operation} ${v.hour.toISOString()}`,
      order.filter((o) => o === i).length,
    ]);
    expect(counted.sort()).toEqual(expected.sort());
    calls[0]!.release();
    await Promise.all(records);
  });

  it("skips counts when metering is off but still writes audits", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: false });
    await meter.record(item("encrypt-data"), []);
    expect(calls).toHaveLength(0);
    const audited = meter.record(item("encrypt-data"), [{ id: "a" } as TAuditEvent]);
    await flushTurns();
    expect(calls[0]!.counts).toEqual([]);
    expect(calls[0]!.audits).toHaveLength(1);
    calls[0]!.release();
    await audited;
  });

  it("close waits for pending records", async () => {
    const { store, calls } = gatedStore();
    const meter = createMeter(store, { countsEnabled: true });
    void meter.record(item("encrypt-data"), []);
    let closed = false;
    const closing = meter.close().then(() => {
      closed = true;
    });
    await flushTurns();
    expect(closed).toBe(false);
    calls[0]!.release();
    await closing;
    expect(closed).toBe(true);
  });
});

describe("metering through the engine", () => {
  it("counts N concurrent calls exactly N times, refusals included", async () => {
    const { kms, admin, viewer, store } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const before = await store.sumUsage({ keyId: key.id });
    const ok = Array.from({ length: 300 }, () =>
      kms.encryptData(admin, { ref: key.id, plaintext: Buffer.from("x") }),
    );
    const refused = Array.from({ length: 20 }, () =>
      errorCode(kms.encryptData(viewer, { ref: key.id, plaintext: Buffer.from("x") })),
    );
    await Promise.all(ok);
    expect(new Set(await Promise.all(refused))).toEqual(new Set(["KMS.0306"]));
    expect((await store.sumUsage({ keyId: key.id })) - before).toBe(320);
    const refusals = await kms.listAudit(admin, { result: "refused", limit: 100 });
    expect(refusals.items).toHaveLength(20);
  });

  it("answers a call only after the store's recordUsage resolved", async () => {
    const inner = createInMemoryStore();
    let release!: () => void;
    let gate: Promise<void> | null = null;
    const store: KmsStore = {
      ...inner,
      recordUsage: async (counts, audits) => {
        if (gate) await gate;
        return inner.recordUsage(counts, audits);
      },
    };
    const { kms, admin } = await createTestEngine({ store });
    gate = new Promise((r) => {
      release = r;
    });
    let done = false;
    const call = kms.generateRandom(admin, 64).then(() => {
      done = true;
    });
    for (let i = 0; i < 5; i++) await tick();
    expect(done).toBe(false);
    release();
    await call;
    expect(done).toBe(true);
    expect(await inner.sumUsage({ keyId: "" })).toBe(1);
  });

  it("records a refusal reported by the API layer", async () => {
    const { kms, admin, store } = await createTestEngine();
    await kms.recordRefusal(admin, "encrypt-data", null, "APIGW.0301");
    expect(await store.sumUsage({ projectId: admin.projectId, keyId: "" })).toBe(1);
    const audit = await kms.listAudit(admin, { result: "refused", limit: 10 });
    expect(audit.items[0]).toMatchObject({ operation: "encrypt-data", errorCode: "APIGW.0301", keyId: null });
  });

  it("with metering off, counts nothing but still audits management calls", async () => {
    const { kms, admin, store } = await createTestEngine({ metering: { enabled: false } });
    const key = await kms.createKey(admin, { alias: "k" });
    await kms.encryptData(admin, { ref: key.id, plaintext: Buffer.from("x") });
    expect(await store.sumUsage({ projectId: admin.projectId })).toBe(0);
    expect((await kms.listAudit(admin, { operation: "create-key", limit: 10 })).items).toHaveLength(1);
  });
});
