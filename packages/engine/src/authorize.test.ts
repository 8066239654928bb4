import type { TOperation } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { createTestEngine, errorCode } from "./testing/index.js";

describe("permissions", () => {
  it("when a viewer tries a mutation or a crypto call, then KMS.0306, but reads succeed", async () => {
    const { kms, admin, viewer } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const refused = [
      kms.createKey(viewer, { alias: "v" }),
      kms.disableKey(viewer, key.id),
      kms.scheduleKeyDeletion(viewer, key.id, 7),
      kms.updateKeyAlias(viewer, key.id, "x"),
      kms.addTags(viewer, key.id, [{ key: "a", value: "b" }]),
      kms.enableRotation(viewer, key.id),
      kms.rotateKey(viewer, key.id),
      kms.encryptData(viewer, { ref: key.id, plaintext: Buffer.from("x") }),
      kms.createDataKey(viewer, { ref: key.id, lengthBits: 256, withPlaintext: true }),
    ];
    expect(await Promise.all(refused.map(errorCode))).toEqual(Array(refused.length).fill("KMS.0306"));
    expect((await kms.describeKey(viewer, key.id)).id).toBe(key.id);
    expect((await kms.listKeys(viewer, {})).total).toBe(1);
    expect(await kms.listTags(viewer, key.id)).toEqual([]);
    expect((await kms.getRotationStatus(viewer, key.id)).versions).toHaveLength(1);
    expect(await kms.countInstances(viewer)).toBe(1);
    expect((await kms.generateRandom(viewer, 64)).length).toBe(8);
  });

  it("audits each refusal with its error code", async () => {
    const { kms, admin, viewer } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    await errorCode(kms.disableKey(viewer, key.id));
    const audit = await kms.listAudit(admin, { result: "refused", limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      operation: "disable-key",
      keyId: key.id,
      principalId: viewer.principal.id,
      errorCode: "KMS.0306",
    });
  });

  it("limits a service to its own default key unless a grant allows more", async () => {
    const { kms, admin, service } = await createTestEngine();
    const obs = service("obs");
    const custom = await kms.createKey(admin, { alias: "custom" });
    await kms.describeKey(service("evs"), "evs/default");
    const plaintext = Buffer.from("data");
    expect(await errorCode(kms.encryptData(obs, { ref: custom.id, plaintext }))).toBe("KMS.0306");
    expect(await errorCode(kms.encryptData(obs, { ref: "evs/default", plaintext }))).toBe("KMS.0306");
    expect(await errorCode(kms.describeKey(obs, custom.id))).toBe("KMS.0306");
    expect(await errorCode(kms.createKey(obs, { alias: "svc" }))).toBe("KMS.0306");
    // Its listings show neither the custom key nor another service's default key.
    expect((await kms.listKeys(obs, {})).total).toBe(0);
    expect((await kms.listKeysByTags(obs, { tags: [], offset: 0, limit: 10 })).total).toBe(0);
    expect((await kms.generateRandom(obs, 8)).length).toBe(1);

    const grant = await kms.createGrant(admin, custom.id, {
      name: "obs-encrypt",
      granteePrincipal: obs.principal.id,
      operations: ["encrypt-data", "decrypt-data"],
    });
    expect(grant.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await kms.listKeys(obs, {})).items.map((k) => k.id)).toEqual([custom.id]);
    const { ciphertext } = await kms.encryptData(obs, { ref: custom.id, plaintext });
    expect((await kms.decryptData(obs, { ciphertext })).plaintext).toEqual(plaintext);
    expect(await errorCode(kms.describeKey(obs, custom.id))).toBe("KMS.0306");

    await kms.revokeGrant(admin, custom.id, grant.id);
    expect(await errorCode(kms.encryptData(obs, { ref: custom.id, plaintext }))).toBe("KMS.0306");
  });

  it("lets a viewer use a key a grant names", async () => {
    const { kms, admin, viewer } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    await kms.createGrant(admin, key.id, {
      name: "viewer",
      granteePrincipal: viewer.principal.id,
      operations: ["create-datakey"],
    });
    const dk = await kms.createDataKey(viewer, { ref: key.id, lengthBits: 128, withPlaintext: true });
    expect(dk.plaintext?.length).toBe(16);
    expect(
      await errorCode(kms.createDataKey(viewer, { ref: key.id, lengthBits: 128, withPlaintext: false })),
    ).toBe("KMS.0306");
  });
});

describe("grants", () => {
  it("validates operations, grantee, name and the per-key maximum", async () => {
    const { kms, admin } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const base = { name: "g", granteePrincipal: "user1", operations: ["encrypt-data" as const] };
    expect(await errorCode(kms.createGrant(admin, key.id, { ...base, operations: ["create-grant"] }))).toBe(
      "KMS.2401",
    );
    expect(await errorCode(kms.createGrant(admin, key.id, { ...base, operations: ["sign"] }))).toBe(
      "KMS.0308",
    );
    expect(await errorCode(kms.createGrant(admin, key.id, { ...base, granteePrincipal: "bad id" }))).toBe(
      "KMS.2402",
    );
    expect(
      await errorCode(kms.createGrant(admin, key.id, { ...base, granteePrincipal: "a".repeat(65) })),
    ).toBe("KMS.2402");
    expect(await errorCode(kms.createGrant(admin, key.id, { ...base, name: "bad name" }))).toBe("KMS.0308");
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => kms.createGrant(admin, key.id, { ...base, name: `g${i}` })),
    );
    expect(await errorCode(kms.createGrant(admin, key.id, base))).toBe("KMS.2404");
    expect((await kms.listGrants(admin, key.id, 0, 10)).total).toBe(100);
  });

  it("lets a grantee pass on only what one of its grants holds, and audits the chain", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const obs = service("obs");
    const parent = await kms.createGrant(admin, key.id, {
      name: "encrypt-only",
      granteePrincipal: viewer.principal.id,
      operations: ["encrypt-data", "create-grant"],
    });
    const to = (granteePrincipal: string, operations: TOperation[]) => ({
      name: "derived",
      granteePrincipal,
      operations,
    });
    const escalations: TOperation[][] = [
      ["decrypt-data"],
      ["encrypt-data", "decrypt-data"],
      ["create-datakey"],
      ["describe-key"],
      ["retire-grant"],
    ];
    for (const operations of escalations) {
      expect(await errorCode(kms.createGrant(viewer, key.id, to(obs.principal.id, operations)))).toBe(
        "KMS.0306",
      );
      expect(await errorCode(kms.createGrant(viewer, key.id, to(viewer.principal.id, operations)))).toBe(
        "KMS.0306",
      );
    }
    // Holding create-grant without the operations of a second grant does not add them up.
    await kms.createGrant(admin, key.id, { ...to(viewer.principal.id, ["decrypt-data"]), name: "decrypt" });
    expect(
      await errorCode(
        kms.createGrant(viewer, key.id, to(obs.principal.id, ["encrypt-data", "decrypt-data"])),
      ),
    ).toBe("KMS.0306");

    const child = await kms.createGrant(
      viewer,
      key.id,
      to(obs.principal.id, ["encrypt-data", "create-grant"]),
    );
    expect(child).toMatchObject({ parentGrantId: parent.id, issuingPrincipal: viewer.principal.id });
    const audit = await kms.listAudit(admin, { operation: "create-grant", result: "success", limit: 10 });
    expect(audit.items.find((e) => e.details?.grantId === child.id)?.details).toMatchObject({
      issuer: viewer.principal.id,
      parentGrantId: parent.id,
    });
    const grandchild = await kms.createGrant(obs, key.id, to("someone", ["encrypt-data"]));
    expect(grandchild.parentGrantId).toBe(child.id);

    const plaintext = Buffer.from("x");
    await kms.encryptData(obs, { ref: key.id, plaintext });
    await kms.revokeGrant(admin, key.id, parent.id);
    expect(await errorCode(kms.encryptData(obs, { ref: key.id, plaintext }))).toBe("KMS.0306");
    expect(await errorCode(kms.encryptData(viewer, { ref: key.id, plaintext }))).toBe("KMS.0306");
    expect((await kms.listGrants(admin, key.id, 0, 10)).items.map((g) => g.name)).toEqual(["decrypt"]);
    const revoked = await kms.listAudit(admin, { operation: "revoke-grant", limit: 1 });
    expect(revoked.items[0]?.details).toEqual({
      grantId: parent.id,
      derivedGrantsRevoked: expect.stringContaining(grandchild.id),
    });
    expect(String(revoked.items[0]?.details?.derivedGrantsRevoked).split(",").sort()).toEqual(
      [child.id, grandchild.id].sort(),
    );
  });

  it("when a grantee retires its grant, the grants derived from it go too", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const obs = service("obs");
    const parent = await kms.createGrant(admin, key.id, {
      name: "p",
      granteePrincipal: viewer.principal.id,
      operations: ["encrypt-data", "create-grant"],
    });
    await kms.createGrant(viewer, key.id, {
      name: "c",
      granteePrincipal: obs.principal.id,
      operations: ["encrypt-data"],
    });
    await kms.retireGrant(viewer, key.id, parent.id);
    expect(await errorCode(kms.encryptData(obs, { ref: key.id, plaintext: Buffer.from("x") }))).toBe(
      "KMS.0306",
    );
    expect((await kms.listGrants(admin, key.id, 0, 10)).total).toBe(0);
  });

  it("retires by the retiring principal or the grantee, and checks the grant ID and key", async () => {
    const { kms, admin, viewer, service } = await createTestEngine();
    const key = await kms.createKey(admin, { alias: "k" });
    const other = await kms.createKey(admin, { alias: "other" });
    const obs = service("obs");
    const grant = await kms.createGrant(admin, key.id, {
      name: "g",
      granteePrincipal: "someone",
      operations: ["encrypt-data"],
      retiringPrincipal: obs.principal.id,
    });
    expect((await kms.listRetirableGrants(obs, 0, 10)).items.map((g) => g.id)).toEqual([grant.id]);
    expect(await errorCode(kms.retireGrant(viewer, key.id, grant.id))).toBe("KMS.0306");
    expect(await errorCode(kms.retireGrant(obs, key.id, "xyz"))).toBe("KMS.2501");
    expect(await errorCode(kms.revokeGrant(admin, other.id, grant.id))).toBe("KMS.2502");
    expect(await errorCode(kms.revokeGrant(viewer, key.id, grant.id))).toBe("KMS.0306");
    await kms.retireGrant(obs, key.id, grant.id);
    expect((await kms.listGrants(admin, key.id, 0, 10)).total).toBe(0);
  });
});
