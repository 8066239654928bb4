import { randomBytes } from "node:crypto";
import { DEFAULT_KEY_CATALOG } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { createRootKey } from "./root-key.js";
import { createTestEngine, errorCode } from "./testing/index.js";

describe("provisioning and authentication", () => {
  it("creates a project with Huawei-shaped IDs, two users and one principal per catalog service", async () => {
    const { kms, provisioned, store } = await createTestEngine();
    expect(provisioned.project.id).toMatch(/^[0-9a-f]{32}$/);
    expect(provisioned.project.domainId).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(provisioned.services)).toEqual(DEFAULT_KEY_CATALOG.map((e) => e.service));
    for (const cred of [
      provisioned.users.admin,
      provisioned.users.viewer,
      ...Object.values(provisioned.services),
    ]) {
      expect(cred.ak).toMatch(/^[A-Z0-9]{20}$/);
      expect(cred.sk).toMatch(/^[A-Za-z0-9]{40}$/);
      const stored = await store.getCredential(cred.ak);
      expect(stored?.credential.wrappedSecretKey.includes(Buffer.from(cred.sk))).toBe(false);
    }
    expect(await kms.listProjects()).toHaveLength(1);
  });

  it("authenticates an access key to its caller and secret key", async () => {
    const { kms, provisioned } = await createTestEngine();
    const auth = await kms.authenticate(provisioned.services.obs.ak);
    expect(auth?.secretKey.toString()).toBe(provisioned.services.obs.sk);
    expect(auth?.caller).toMatchObject({
      projectId: provisioned.project.id,
      domainId: provisioned.project.domainId,
      principal: { kind: "service", service: "obs", id: provisioned.services.obs.principalId },
    });
    expect(await kms.authenticate("NOSUCHACCESSKEY00000")).toBeUndefined();
  });

  it("verifies console passwords against the scrypt hash", async () => {
    const { kms, provisioned, store } = await createTestEngine();
    const { domainId } = provisioned.project;
    const { password, principalId } = provisioned.users.admin;
    const record = await store.getPrincipal(principalId);
    expect(record?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect((await kms.verifyPassword(domainId, "admin", password))?.id).toBe(principalId);
    expect(await kms.verifyPassword(domainId, "admin", `${password}x`)).toBeUndefined();
    expect(await kms.verifyPassword(domainId, "nobody", password)).toBeUndefined();
  });

  it("gives a second project in the same domain distinct user names", async () => {
    const { kms, provisioned } = await createTestEngine();
    const second = await kms.provisionProject({
      name: "two",
      region: "r",
      domainId: provisioned.project.domainId,
    });
    const principal = await kms.verifyPassword(
      provisioned.project.domainId,
      "admin-two",
      second.users.admin.password,
    );
    expect(principal?.id).toBe(second.users.admin.principalId);
    expect(second.users.admin.username).toBe("admin-two");
  });

  it("gives each user a role in its own project only, and refuses a console caller elsewhere", async () => {
    const { kms, provisioned } = await createTestEngine();
    const { domainId } = provisioned.project;
    const second = await kms.provisionProject({ name: "two", region: "r", domainId });
    const other = await kms.provisionProject({ name: "elsewhere", region: "r" });
    const admin2 = { id: second.users.admin.principalId, name: "admin-two", domainId };

    expect((await kms.projectRoles(domainId, admin2.id)).map((r) => [r.project.id, r.role])).toEqual([
      [second.project.id, "admin"],
    ]);
    expect(
      (await kms.projectRoles(domainId, provisioned.users.viewer.principalId)).map((r) => r.role),
    ).toEqual(["viewer"]);
    expect((await kms.userCaller(admin2, second.project.id)).principal).toEqual({
      kind: "user",
      id: admin2.id,
      name: "admin-two",
      role: "admin",
    });
    // The default project of the same account, another account's project, and no project at all.
    for (const projectId of [provisioned.project.id, other.project.id, "0".repeat(32)]) {
      expect(await errorCode(kms.userCaller(admin2, projectId))).toBe("KMS.0306");
    }
    // The same user's AK/SK reach its own project only (the credential belongs to it).
    expect((await kms.authenticate(second.users.admin.ak))?.caller).toMatchObject({
      projectId: second.project.id,
      principal: { kind: "user", role: "admin" },
    });
  });
});

describe("root key", () => {
  it("wraps with a fresh IV and binds the blob to its context", () => {
    const root = createRootKey(randomBytes(32));
    const secret = Buffer.from("key material");
    const a = root.wrap(secret, "key:1");
    const b = root.wrap(secret, "key:1");
    expect(a.equals(b)).toBe(false);
    expect(a.length).toBe(12 + 16 + secret.length);
    expect(root.unwrap(a, "key:1")).toEqual(secret);
    expect(() => root.unwrap(a, "key:2")).toThrow(/could not unwrap/);
    expect(() => createRootKey(randomBytes(32)).unwrap(a, "key:1")).toThrow(/could not unwrap/);
    expect(() => createRootKey(randomBytes(16))).toThrow(/32 bytes/);
  });
});
