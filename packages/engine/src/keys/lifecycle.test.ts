import { describe, expect, it } from "vitest";
import { createTestEngine, errorCode } from "../testing/index.js";

describe("key lifecycle", () => {
  it("creates an enabled AES key with one wrapped version and no material in the clear", async () => {
    const { kms, admin, store } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "app-key", description: "for the app" });
    expect(key).toMatchObject({
      state: "enabled",
      spec: "AES_256",
      usage: "ENCRYPT_DECRYPT",
      currentVersion: 1,
    });
    const found = await store.getKeyWithVersion(admin.projectId, key.id);
    expect(found?.version.wrappedMaterial.length).toBe(12 + 16 + 32);
    expect(found?.version.publicKey).toBeNull();
  });

  it("refuses bad aliases, descriptions, specs and usages with their codes", async () => {
    const { kms, admin } = await createTestEngine();
    expect(await errorCode(kms.createKey(admin, { alias: "has space" }))).toBe("KMS.1101");
    expect(await errorCode(kms.createKey(admin, { alias: "mine/default" }))).toBe("KMS.1101");
    expect(await errorCode(kms.createKey(admin, { alias: "a".repeat(256) }))).toBe("KMS.1101");
    expect(await errorCode(kms.createKey(admin, { alias: "d", description: "x".repeat(256) }))).toBe(
      "KMS.1103",
    );
    expect(await errorCode(kms.createKey(admin, { alias: "u", spec: "AES_256", usage: "SIGN_VERIFY" }))).toBe(
      "KMS.0308",
    );
    expect(
      await errorCode(kms.createKey(admin, { alias: "e", spec: "EC_P256", usage: "ENCRYPT_DECRYPT" })),
    ).toBe("KMS.0308");
  });

  it("refuses SM4 when this OpenSSL has no sm4-gcm", async () => {
    const { kms, admin } = await createTestEngine();
    const result = await kms.createKey(admin, { alias: "sm4", spec: "SM4" }).then(
      () => "ok",
      (e: { code: string; message: string }) => `${e.code} ${e.message}`,
    );
    expect(result).toMatch(/^KMS\.0308 .*SM4 is not available in this build/);
  });

  it("creates RSA keys with an SPKI public key and asymmetric usages", async () => {
    const { kms, admin, store } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "rsa", spec: "RSA_2048" });
    expect(key.usage).toBe("SIGN_VERIFY");
    const found = await store.getKeyWithVersion(admin.projectId, key.id);
    expect(found?.version.publicKey?.subarray(0, 2).toString("hex")).toBe("3082");
  });

  it("creates a key with its tags in one write, and creates nothing when a tag is bad", async () => {
    const { kms, admin } = await createTestEngine();
    const tags = [
      { key: "team", value: "payments" },
      { key: "env", value: "prod" },
    ];
    const key = await kms.createKey(admin, { alias: "tagged", tags });
    expect(await kms.listTags(admin, key.id)).toEqual(expect.arrayContaining(tags));
    expect(await errorCode(kms.createKey(admin, { alias: "bad-tag", tags: [{ key: "", value: "x" }] }))).toBe(
      "KMS.0406",
    );
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    expect(await errorCode(kms.createKey(admin, { alias: "too-many", tags: tooMany }))).toBe("KMS.0409");
    expect(await kms.countInstances(admin)).toBe(1);
  });

  it("refuses a duplicate alias with KMS.1104 and the 101st custom key with KMS.1105", async () => {
    const { kms, admin } = await createTestEngine();
    await kms.createKey(admin, { alias: "dup" });
    expect(await errorCode(kms.createKey(admin, { alias: "dup" }))).toBe("KMS.1104");
    await Promise.all(Array.from({ length: 99 }, (_, i) => kms.createKey(admin, { alias: `k${i}` })));
    expect(await kms.countInstances(admin)).toBe(100);
    expect(await errorCode(kms.createKey(admin, { alias: "one-too-many" }))).toBe("KMS.1105");
  });

  it("puts external keys in pending_import without material", async () => {
    const { kms, admin, store } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "ext", origin: "external" });
    expect(key.state).toBe("pending_import");
    expect((await store.getKeyWithVersion(admin.projectId, key.id))?.version.wrappedMaterial.length).toBe(0);
    await kms.scheduleKeyDeletion(admin, key.id, 7);
    expect((await kms.cancelKeyDeletion(admin, key.id)).state).toBe("pending_import");
  });

  it("moves enabled → disabled → enabled and refuses the wrong transitions", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "life" });
    expect(await errorCode(kms.enableKey(admin, key.id))).toBe("KMS.1201");
    expect((await kms.disableKey(admin, key.id)).state).toBe("disabled");
    expect(await errorCode(kms.disableKey(admin, key.id))).toBe("KMS.1301");
    expect((await kms.enableKey(admin, key.id)).state).toBe("enabled");
  });

  it("schedules deletion within 7–1096 whole days and cancels to disabled", async () => {
    const { kms, admin, clock } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "del" });
    for (const days of [3, 6, 1097, 7.5, Number.NaN]) {
      expect(await errorCode(kms.scheduleKeyDeletion(admin, key.id, days))).toBe("KMS.1401");
    }
    expect(await errorCode(kms.cancelKeyDeletion(admin, key.id))).toBe("KMS.1501");
    const pending = await kms.scheduleKeyDeletion(admin, key.id, 7);
    expect(pending.state).toBe("pending_deletion");
    expect(pending.deletionScheduledAt).toEqual(clock.now());
    expect(pending.deletionDate?.getTime()).toBe(clock.now().getTime() + 7 * 86_400_000);
    expect(await errorCode(kms.scheduleKeyDeletion(admin, key.id, 30))).toBe("KMS.1402");
    expect(await errorCode(kms.enableKey(admin, key.id))).toBe("KMS.1201");
    const cancelled = await kms.cancelKeyDeletion(admin, key.id);
    expect(cancelled).toMatchObject({ state: "disabled", deletionDate: null, deletionScheduledAt: null });
  });

  it("answers KMS.0207 for an unknown key and KMS.0205 for a malformed reference", async () => {
    const { kms, admin } = await createTestEngine();
    expect(await errorCode(kms.describeKey(admin, "00000000-0000-4000-8000-000000000000"))).toBe("KMS.0207");
    expect(await errorCode(kms.describeKey(admin, "not-a-key"))).toBe("KMS.0205");
    expect(await errorCode(kms.describeKey(admin, "my/default"))).toBe("KMS.0205");
  });

  it("does not show a key of another project", async () => {
    const a = await createTestEngine();
    const other = await a.kms.provisionProject({ name: "other", region: "r" });
    const otherAdmin = (await a.kms.authenticate(other.users.admin.ak))!.caller;
    const key = await a.kms.createKey(a.admin, { alias: "mine" });
    expect(await errorCode(a.kms.describeKey(otherAdmin, key.id))).toBe("KMS.0207");
  });

  it("refuses every alias that reads as a default key's, on create and on rename", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "mine" });
    for (const alias of [
      "obs/default",
      "obs/DEFAULT",
      "OBS/Default",
      "obs/default/",
      "obs/default:",
      "Evs/Default//:",
    ]) {
      expect(await errorCode(kms.createKey(admin, { alias })), alias).toBe("KMS.1104");
      expect(await errorCode(kms.updateKeyAlias(admin, key.id, alias)), alias).toBe("KMS.1104");
    }
    for (const alias of ["app/DEFAULT", "app/Default:", "x/default/"]) {
      expect(await errorCode(kms.createKey(admin, { alias })), alias).toBe("KMS.1101");
      expect(await errorCode(kms.updateKeyAlias(admin, key.id, alias)), alias).toBe("KMS.1101");
    }
    // Only the ending is reserved.
    expect((await kms.createKey(admin, { alias: "obs/default-backup" })).alias).toBe("obs/default-backup");
    expect((await kms.updateKeyAlias(admin, key.id, "default/obs")).alias).toBe("default/obs");
    expect((await kms.listKeys(admin, {})).total).toBe(2);
  });

  it("updates alias and description, refusing a taken alias and a /default alias", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "one" });
    await kms.createKey(admin, { alias: "two" });
    expect((await kms.updateKeyAlias(admin, key.id, "uno")).alias).toBe("uno");
    expect(await errorCode(kms.updateKeyAlias(admin, key.id, "two"))).toBe("KMS.1104");
    expect(await errorCode(kms.updateKeyAlias(admin, key.id, "x/default"))).toBe("KMS.1101");
    expect((await kms.updateKeyDescription(admin, key.id, "new")).description).toBe("new");
    expect(await errorCode(kms.updateKeyDescription(admin, key.id, "y".repeat(256)))).toBe("KMS.1103");
  });

  it("lists keys with filters, search and cursor paging", async () => {
    const { kms, admin, clock } = await createTestEngine();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await kms.createKey(admin, { alias: `list-${i}` });
    }
    await kms.createKey(admin, { alias: "hmac", spec: "HMAC_256" });
    const first = await kms.listKeys(admin, { search: "list-", limit: 2, order: "asc" });
    expect(first.total).toBe(5);
    expect(first.items.map((k) => k.alias)).toEqual(["list-0", "list-1"]);
    const second = await kms.listKeys(admin, {
      search: "list-",
      limit: 2,
      order: "asc",
      cursor: first.nextCursor!,
    });
    expect(second.items.map((k) => k.alias)).toEqual(["list-2", "list-3"]);
    expect((await kms.listKeys(admin, { specs: ["HMAC_256"] })).total).toBe(1);
    expect(await errorCode(kms.listKeys(admin, { limit: 0 }))).toBe("KMS.0308");
  });

  it("reports quotas: custom keys used, default keys excluded", async () => {
    const { kms, admin, service } = await createTestEngine();
    await kms.createKey(admin, { alias: "q" });
    await kms.describeKey(service("obs"), "obs/default");
    expect(await kms.quotas(admin)).toEqual({
      customKeys: { used: 1, quota: 100 },
      grantsPerKey: { quota: 100 },
    });
  });
});

describe("replacing a key's tags", () => {
  it("makes the tags exactly the wanted set in one write, and refuses default keys and viewers", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "tagged" });
    await kms.addTags(admin, key.id, [
      { key: "team", value: "a" },
      { key: "old", value: "x" },
    ]);
    await kms.replaceTags(admin, key.id, [
      { key: "team", value: "b" },
      { key: "env", value: "prod" },
    ]);
    const tags = (await kms.listTags(admin, key.id)).sort((x, y) => x.key.localeCompare(y.key));
    expect(tags).toEqual([
      { key: "env", value: "prod" },
      { key: "team", value: "b" },
    ]);
    await kms.replaceTags(admin, key.id, []);
    expect(await kms.listTags(admin, key.id)).toEqual([]);

    const tooMany = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    expect(await errorCode(kms.replaceTags(admin, key.id, tooMany))).toBe("KMS.0409");
    expect(await errorCode(kms.replaceTags(viewer, key.id, [{ key: "a", value: "b" }]))).toBe("KMS.0306");
    const obsKey = await kms.describeKey(service("obs"), "obs/default");
    expect(await errorCode(kms.replaceTags(admin, obsKey.id, [{ key: "a", value: "b" }]))).toBe("KMS.0211");
  });
});
