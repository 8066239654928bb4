import { describe, expect, it } from "vitest";
import { createReports } from "./reports.js";
import { createInMemoryStore, createTestEngine, errorCode } from "./testing/index.js";

async function setup() {
  const store = createInMemoryStore();
  const t = await createTestEngine({ store });
  const reports = createReports({ store, clock: t.clock });
  return { ...t, store, reports };
}

describe("reports", () => {
  it("are refused to services, for every report", async () => {
    const { reports, service, admin, kms } = await setup();
    const obs = service("obs");
    const key = await kms.createKey(admin, { alias: "k" });
    const range = { from: new Date("2025-01-01"), to: new Date("2025-01-02"), granularity: "hour" as const };
    for (const call of [
      reports.keyUsage(obs, key.id, range),
      reports.keyDependents(obs, key.id),
      reports.requestsThisMonth(obs, [key.id]),
      reports.monthSummary(obs, "2025-01"),
      reports.bill(obs, "2025-01"),
      reports.auditFeed(obs, null),
    ]) {
      expect(await errorCode(call)).toBe("KMS.0306");
    }
  });

  it("when a key is used over several hours, then its series, month count and dependents show it", async () => {
    const { reports, kms, admin, viewer, clock, service } = await setup();
    const key = await kms.createKey(admin, { alias: "orders" });
    clock.set(new Date("2025-01-10T09:15:00Z"));
    for (let i = 0; i < 3; i++) await kms.encryptData(admin, { ref: key.id, plaintext: Buffer.from("x") });
    clock.set(new Date("2025-01-10T11:45:00Z"));
    const { ciphertext } = await kms.encryptData(admin, { ref: key.id, plaintext: Buffer.from("y") });
    await kms.decryptData(admin, { ciphertext });

    const usage = await reports.keyUsage(viewer, key.id, {
      from: new Date("2025-01-10T09:00:00Z"),
      to: new Date("2025-01-10T12:00:00Z"),
      granularity: "hour",
    });
    expect(usage.series).toEqual([
      {
        operation: "decrypt-data",
        points: [
          { time: new Date("2025-01-10T09:00:00Z"), count: 0 },
          { time: new Date("2025-01-10T10:00:00Z"), count: 0 },
          { time: new Date("2025-01-10T11:00:00Z"), count: 1 },
        ],
      },
      {
        operation: "encrypt-data",
        points: [
          { time: new Date("2025-01-10T09:00:00Z"), count: 3 },
          { time: new Date("2025-01-10T10:00:00Z"), count: 0 },
          { time: new Date("2025-01-10T11:00:00Z"), count: 1 },
        ],
      },
    ]);
    expect(usage.requestsThisMonth).toBe(6); // create-key counts too
    expect(usage.lastUsedAt).toEqual(new Date("2025-01-10T11:00:00Z"));
    expect(usage.freeQuotaShare).toBeGreaterThan(0);
    expect(usage.freeQuotaShare).toBeLessThan(0.001);
    expect(usage.costThisMonth).toBeGreaterThan(0); // hosting since creation

    const daily = await reports.keyUsage(viewer, key.id, {
      from: new Date("2025-01-09T00:00:00Z"),
      to: new Date("2025-01-11T00:00:00Z"),
      granularity: "day",
    });
    expect(daily.series.find((s) => s.operation === "encrypt-data")?.points.map((p) => p.count)).toEqual([
      0, 4,
    ]);

    expect(Object.fromEntries(await reports.requestsThisMonth(viewer, [key.id, "nope"]))).toEqual({
      [key.id]: 6,
    });

    const obs = service("obs");
    await kms.encryptData(obs, { ref: "obs/default", plaintext: Buffer.from("z") });
    expect(await reports.keyDependents(viewer, "obs/default")).toEqual([
      {
        principalId: obs.principal.id,
        principalName: obs.principal.name,
        kind: "service",
        service: "obs",
        requests: 1,
        operations: ["encrypt-data"],
        lastUsedAt: new Date("2025-01-10T11:00:00Z"),
      },
    ]);
    const dependents = await reports.keyDependents(viewer, key.id);
    expect(dependents).toMatchObject([{ principalName: admin.principal.name, kind: "user", requests: 6 }]);
  });

  it("refuses bad ranges, unknown keys and malformed months", async () => {
    const { reports, kms, admin } = await setup();
    const key = await kms.createKey(admin, { alias: "k" });
    const d = (iso: string) => new Date(iso);
    expect(
      await errorCode(
        reports.keyUsage(admin, key.id, { from: d("2025-01-02"), to: d("2025-01-01"), granularity: "day" }),
      ),
    ).toBe("KMS.0308");
    expect(
      await errorCode(
        reports.keyUsage(admin, key.id, { from: d("2025-01-01"), to: d("2026-01-01"), granularity: "hour" }),
      ),
    ).toBe("KMS.0308");
    expect(
      await errorCode(
        reports.keyUsage(admin, "00000000-0000-0000-0000-000000000000", {
          from: d("2025-01-01"),
          to: d("2025-01-02"),
          granularity: "day",
        }),
      ),
    ).toBe("KMS.0207");
    expect(await errorCode(reports.monthSummary(admin, "2025-1"))).toBe("KMS.0308");
    expect(await errorCode(reports.bill(admin, "January"))).toBe("KMS.0308");
  });

  it("summarises and bills the account's month: hosting for custom keys only, requests beyond the free quota", async () => {
    const { reports, kms, admin, viewer, clock, service, store, provisioned } = await setup();
    clock.set(new Date("2025-03-01T00:00:00Z"));
    const a = await kms.createKey(admin, { alias: "a" });
    const b = await kms.createKey(admin, { alias: "b" });
    await kms.encryptData(service("obs"), { ref: "obs/default", plaintext: Buffer.from("x") });
    clock.set(new Date("2025-03-02T00:00:00Z"));
    await kms.disableKey(admin, b.id); // disabled keys are still billed
    await kms.scheduleKeyDeletion(admin, a.id, 7); // pending deletion is not
    // 25,000 more requests metered directly (as the group committer would write them).
    await store.recordUsage(
      [
        {
          projectId: provisioned.project.id,
          domainId: provisioned.project.domainId,
          keyId: b.id,
          principalId: admin.principal.id,
          operation: "encrypt-data",
          hour: new Date("2025-03-01T12:00:00Z"),
          count: 25_000,
        },
      ],
      [],
    );
    clock.set(new Date("2025-04-01T00:00:00Z"));

    const summary = await reports.monthSummary(viewer, "2025-03");
    const requests = await store.sumUsage({
      domainId: provisioned.project.domainId,
      from: new Date("2025-03-01T00:00:00Z"),
      to: new Date("2025-04-01T00:00:00Z"),
    });
    expect(summary.totalRequests).toBe(requests);
    expect(summary.freeUsed).toBe(20_000);
    expect(summary.billableRequests).toBe(requests - 20_000);
    expect(summary.requestCharges).toBe(Number((((requests - 20_000) * 0.03) / 10_000).toFixed(6)));
    // a: one day until deletion was scheduled; b: the whole month.
    expect(summary.hostingCharges).toBe(Number(((24 + 31 * 24) * 0.001388).toFixed(6)));
    expect(summary.total).toBe(Math.round((summary.hostingCharges + summary.requestCharges) * 100) / 100);
    expect(summary.forecastTotal).toBe(summary.total);
    const obs = summary.byKey.find((k) => k.alias === "obs/default");
    expect(obs).toMatchObject({ isDefault: true, hostingCharges: 0, requests: 1 });
    expect(summary.byService.find((s) => s.service === "obs")).toMatchObject({ requests: 1 });
    expect(summary.daily.reduce((n, d) => n + d.requests, 0)).toBe(requests);

    const bill = await reports.bill(admin, "2025-03");
    expect(bill.total).toBe(summary.total);
    expect(bill.lines.filter((l) => l.kind === "hosting").map((l) => [l.keyId, l.quantity])).toEqual(
      [
        [a.id, 24],
        [b.id, 744],
      ].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
    );

    // Cancelling the deletion bills a again from the moment it was scheduled.
    clock.set(new Date("2025-03-05T00:00:00Z"));
    await kms.cancelKeyDeletion(admin, a.id);
    clock.set(new Date("2025-04-01T00:00:00Z"));
    const after = await reports.bill(admin, "2025-03");
    expect(after.lines.find((l) => l.keyId === a.id)?.quantity).toBe(744);
  });

  it("follows the audit feed from now on", async () => {
    const { reports, kms, admin, viewer } = await setup();
    const key = await kms.createKey(admin, { alias: "k" });
    const start = await reports.auditFeed(viewer, null);
    expect(start.items).toEqual([]);
    await kms.disableKey(admin, key.id);
    await kms.enableKey(admin, key.id);
    const next = await reports.auditFeed(viewer, start.cursor);
    expect(next.items.map((e) => e.operation)).toEqual(["disable-key", "enable-key"]);
    expect((await reports.auditFeed(viewer, next.cursor)).items).toEqual([]);
    expect(await errorCode(reports.auditFeed(viewer, "nonsense"))).toBe("KMS.1602");
  });
});
