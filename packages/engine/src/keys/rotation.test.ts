import { randomBytes } from "node:crypto";
import type { TCaller } from "@kms/domain";
import { describe, expect, it } from "vitest";
import type { EngineContext } from "../context.js";
import { createMaterialCache } from "../crypto/material-cache.js";
import { createMeter } from "../metering.js";
import { createRootKey, systemRandom } from "../root-key.js";
import { createInMemoryStore, createManualClock, createTestEngine, errorCode } from "../testing/index.js";
import { createKey } from "./lifecycle.js";
import { enableRotation, rotateDueKeys } from "./rotation.js";

describe("rotation", () => {
  it("enables, sets the interval, disables and reports status", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    expect((await kms.enableRotation(admin, key.id)).rotation).toMatchObject({
      enabled: true,
      intervalDays: 365,
    });
    expect((await kms.updateRotationInterval(admin, key.id, 30)).rotation.intervalDays).toBe(30);
    for (const days of [29, 366, 45.5]) {
      expect(await errorCode(kms.updateRotationInterval(admin, key.id, days))).toBe("KMS.3001");
    }
    expect(await errorCode(kms.enableRotation(admin, key.id, 10))).toBe("KMS.3001");
    expect((await kms.disableRotation(admin, key.id)).rotation.enabled).toBe(false);
    expect(await errorCode(kms.updateRotationInterval(admin, key.id, 60))).toBe("KMS.0313");
    expect((await kms.enableRotation(admin, key.id)).rotation.intervalDays).toBe(30);
    await kms.disableRotation(admin, key.id);
    const status = await kms.getRotationStatus(admin, key.id);
    expect(status).toMatchObject({ enabled: false, intervalDays: 30, rotationCount: 0, lastRotatedAt: null });
  });

  it("refuses asymmetric, HMAC, external and unusable keys with their codes", async () => {
    const { kms, admin } = await createTestEngine();
    const ec = await kms.createKey(admin, { alias: "ec", spec: "EC_P256" });
    const hmac = await kms.createKey(admin, { alias: "hmac", spec: "HMAC_256" });
    const ext = await kms.createKey(admin, { alias: "ext", origin: "external" });
    const aes = await kms.createKey(admin, { alias: "aes" });
    expect(await errorCode(kms.enableRotation(admin, ec.id))).toBe("KMS.0325");
    expect(await errorCode(kms.rotateKey(admin, hmac.id))).toBe("KMS.0331");
    expect(await errorCode(kms.enableRotation(admin, ext.id))).toBe("KMS.0312");
    await kms.disableKey(admin, aes.id);
    expect(await errorCode(kms.rotateKey(admin, aes.id))).toBe("KMS.0209");
  });

  it("rotates on demand with rotation disabled: a new version, count and time", async () => {
    const { kms, admin, clock } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    clock.advanceDays(1);
    const rotated = await kms.rotateKey(admin, key.id);
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.rotation).toMatchObject({ enabled: false, rotationCount: 1, lastRotatedAt: clock.now() });
    expect((await kms.getRotationStatus(admin, key.id)).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("rotates due keys when the clock passes their interval, once", async () => {
    const { kms, admin, clock } = await createTestEngine();
    const due = await kms.createKey(admin, { alias: "due" });
    const notEnabled = await kms.createKey(admin, { alias: "off" });
    await kms.enableRotation(admin, due.id, 30);
    clock.advanceDays(29);
    expect(await kms.rotateDueKeys()).toBe(0);
    clock.advanceDays(2);
    expect(await kms.rotateDueKeys()).toBe(1);
    expect(await kms.rotateDueKeys()).toBe(0);
    expect((await kms.describeKey(admin, due.id)).currentVersion).toBe(2);
    expect((await kms.describeKey(admin, notEnabled.id)).currentVersion).toBe(1);
  });

  it("rotates every due key across more than one page of the listing", async () => {
    const store = createInMemoryStore();
    const clock = createManualClock();
    const ctx: EngineContext = {
      store,
      clock,
      random: systemRandom,
      rootKey: createRootKey(randomBytes(32)),
      meter: createMeter(store, { countsEnabled: true }),
      materials: createMaterialCache(),
    };
    const project = { id: "p1", domainId: "d1", name: "p", region: "r", createdAt: clock.now() };
    await store.insertProject(project);
    const admin: TCaller = {
      principal: { kind: "user", id: "a1", name: "admin", role: "admin" },
      projectId: "p1",
      domainId: "d1",
    };
    for (let i = 0; i < 7; i++) {
      const key = await createKey(ctx, admin, { alias: `r${i}` });
      await enableRotation(ctx, admin, key.id, 30);
    }
    clock.advanceDays(31);
    expect(await rotateDueKeys(ctx, 3)).toBe(7);
    expect(await rotateDueKeys(ctx, 3)).toBe(0);
  });
});

describe("deletion sweeper", () => {
  it("destroys keys whose deletion date has passed and audits it", async () => {
    const { kms, admin, clock } = await createTestEngine();
    const soon = await kms.createKey(admin, { alias: "soon" });
    const later = await kms.createKey(admin, { alias: "later" });
    await kms.scheduleKeyDeletion(admin, soon.id, 7);
    await kms.scheduleKeyDeletion(admin, later.id, 30);
    clock.advanceDays(6);
    expect(await kms.sweepDueDeletions()).toBe(0);
    clock.advanceDays(2);
    expect(await kms.sweepDueDeletions()).toBe(1);
    expect(await errorCode(kms.describeKey(admin, soon.id))).toBe("KMS.0207");
    expect((await kms.describeKey(admin, later.id)).state).toBe("pending_deletion");
    const audit = await kms.listAudit(admin, { operation: "delete-key", limit: 10 });
    expect(audit.items.map((e) => e.keyId)).toEqual([soon.id]);
    // The alias is free again once the key is destroyed.
    expect((await kms.createKey(admin, { alias: "soon" })).alias).toBe("soon");
  });
});

describe("tags", () => {
  it("adds, overwrites, lists and removes tags within the limits", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    await kms.addTags(admin, key.id, [{ key: "env", value: "prod" }]);
    await kms.addTags(admin, key.id, [
      { key: "env", value: "dev" },
      { key: "team", value: "a" },
    ]);
    expect(await kms.listTags(admin, key.id)).toEqual([
      { key: "env", value: "dev" },
      { key: "team", value: "a" },
    ]);
    expect(await kms.listProjectTags(admin)).toEqual([
      { key: "env", values: ["dev"] },
      { key: "team", values: ["a"] },
    ]);
    const byTag = await kms.listKeysByTags(admin, {
      tags: [{ key: "env", values: ["dev"] }],
      offset: 0,
      limit: 10,
    });
    expect(byTag.items.map((i) => i.key.id)).toEqual([key.id]);
    await kms.removeTags(admin, key.id, ["env"]);
    expect(await kms.listTags(admin, key.id)).toEqual([{ key: "team", value: "a" }]);

    expect(await errorCode(kms.addTags(admin, key.id, []))).toBe("KMS.0401");
    expect(await errorCode(kms.addTags(admin, key.id, [{ key: "a=b", value: "v" }]))).toBe("KMS.0406");
    expect(await errorCode(kms.addTags(admin, key.id, [{ key: "ok", value: "x".repeat(44) }]))).toBe(
      "KMS.0405",
    );
    const many = Array.from({ length: 20 }, (_, i) => ({ key: `t${i}`, value: "v" }));
    expect(await errorCode(kms.addTags(admin, key.id, many))).toBe("KMS.0409");
  });
});
