import { describe, expect, it } from "vitest";
import { createTestEngine, errorCode } from "../testing/index.js";

describe("default keys", () => {
  it("when a service first uses its default alias, then its default key is created and audited", async () => {
    const { kms, admin, service } = await createTestEngine();
    const obs = service("obs");
    const { keyId, ciphertext } = await kms.encryptData(obs, {
      ref: "obs/default",
      plaintext: Buffer.from("hi"),
    });
    const key = await kms.describeKey(admin, "obs/default");
    expect(key).toMatchObject({
      id: keyId,
      alias: "obs/default",
      isDefault: true,
      service: "obs",
      spec: "AES_256",
      usage: "ENCRYPT_DECRYPT",
      state: "enabled",
      description: "Default key of Object Storage Service",
    });
    expect((await kms.decryptData(obs, { ciphertext })).plaintext.toString()).toBe("hi");
    const audit = await kms.listAudit(admin, { operation: "create-default-key", limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ keyId, principalId: obs.principal.id, result: "success" });
  });

  it("when anyone else names a default alias that does not exist, then KMS.0207", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    expect(await errorCode(kms.describeKey(admin, "obs/default"))).toBe("KMS.0207");
    expect(await errorCode(kms.describeKey(viewer, "obs/default"))).toBe("KMS.0207");
    expect(
      await errorCode(kms.encryptData(service("evs"), { ref: "obs/default", plaintext: Buffer.from("x") })),
    ).toBe("KMS.0207");
    expect((await kms.listKeys(admin, { kind: "default" })).total).toBe(0);
  });

  it("when 200 first uses arrive at once, then exactly one key exists and every call succeeds", async () => {
    const { kms, admin, service } = await createTestEngine();
    const obs = service("obs");
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        kms.encryptData(obs, { ref: "obs/default", plaintext: Buffer.from("p") }),
      ),
    );
    expect(new Set(results.map((r) => r.keyId)).size).toBe(1);
    const page = await kms.listKeys(admin, { kind: "default" });
    expect(page.total).toBe(1);
    const born = await kms.listAudit(admin, { operation: "create-default-key", limit: 10 });
    expect(born.items).toHaveLength(1);
  });

  it("refuses every mutation of a default key with KMS.0211, whoever asks", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    const obs = service("obs");
    const key = await kms.describeKey(obs, "obs/default");
    const grantInput = { name: "g", granteePrincipal: "abc", operations: ["encrypt-data" as const] };
    for (const caller of [admin, viewer, obs]) {
      for (const ref of [key.id, "obs/default"]) {
        const attempts = [
          kms.disableKey(caller, ref),
          kms.enableKey(caller, ref),
          kms.scheduleKeyDeletion(caller, ref, 7),
          kms.cancelKeyDeletion(caller, ref),
          kms.updateKeyAlias(caller, ref, "renamed"),
          kms.updateKeyDescription(caller, ref, "text"),
          kms.addTags(caller, ref, [{ key: "k", value: "v" }]),
          kms.removeTags(caller, ref, ["k"]),
          kms.enableRotation(caller, ref),
          kms.disableRotation(caller, ref),
          kms.updateRotationInterval(caller, ref, 90),
          kms.rotateKey(caller, ref),
          kms.createGrant(caller, ref, grantInput),
        ];
        const codes = await Promise.all(attempts.map(errorCode));
        expect(codes).toEqual(Array(attempts.length).fill("KMS.0211"));
      }
    }
    expect(await kms.describeKey(admin, key.id)).toMatchObject({ state: "enabled", alias: "obs/default" });
  });

  it("lets any reader describe an existing default key", async () => {
    const { kms, viewer, service } = await createTestEngine();
    await kms.describeKey(service("csms"), "csms/default");
    expect((await kms.describeKey(viewer, "csms/default")).service).toBe("csms");
  });

  it("leaves hidden services' default keys out of the list only when asked", async () => {
    const { kms, admin, service } = await createTestEngine();
    await kms.describeKey(service("obs"), "obs/default");
    await kms.describeKey(service("sfs"), "sfs/default");
    expect((await kms.listKeys(admin, { kind: "default" })).total).toBe(2);
    const visible = await kms.listKeys(admin, { kind: "default", includeHidden: false });
    expect(visible.items.map((k) => k.alias)).toEqual(["obs/default"]);
  });
});
