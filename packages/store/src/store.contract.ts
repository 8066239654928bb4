import { randomBytes, randomUUID } from "node:crypto";
import type {
  TAuditEvent,
  TKey,
  TKeyListQuery,
  TKeySpec,
  TKeyState,
  TProject,
  TServiceCode,
  TUsageCount,
} from "@kms/domain";
import { HIDDEN_SERVICES, ZKeyListQuery } from "@kms/domain";
import type { GrantRecord, KeyVersionRecord } from "@kms/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FullStore } from "./store.js";

/** What a dialect's test file provides: fresh store instances on one shared, empty test database. */
export interface StoreHarness {
  open(): Promise<FullStore>;
  /** Reads the database directly, to check what the store hides (wiped material). */
  raw(sqlText: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Writes to the database directly, past every store. */
  exec(sqlText: string, params: unknown[]): Promise<void>;
  /** The placeholder of the n-th (1-based) parameter in `raw`'s SQL. */
  param(n: number): string;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2025, 0, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

export function makeProject(overrides: Partial<TProject> = {}): TProject {
  return {
    id: `p-${randomUUID()}`,
    domainId: `d-${randomUUID()}`,
    name: "cn-north-4",
    region: "cn-north-4",
    createdAt: at(0),
    ...overrides,
  };
}

export function makeKey(project: TProject, overrides: Partial<TKey> = {}): TKey {
  const id = randomUUID();
  return {
    id,
    projectId: project.id,
    domainId: project.domainId,
    alias: `alias-${id}`,
    description: "",
    spec: "AES_256",
    usage: "ENCRYPT_DECRYPT",
    origin: "kms",
    state: "enabled",
    isDefault: false,
    service: null,
    createdAt: at(1),
    updatedAt: at(1),
    deletionScheduledAt: null,
    deletionDate: null,
    currentVersion: 1,
    rotation: { enabled: false, intervalDays: 365, lastRotatedAt: null, rotationCount: 0 },
    lastUsedAt: null,
    ...overrides,
  };
}

export function makeDefaultKey(project: TProject, service: TServiceCode): TKey {
  return makeKey(project, { alias: `${service}/default`, isDefault: true, service });
}

export const makeVersion = (keyId: string, version = 1): KeyVersionRecord => ({
  keyId,
  version,
  createdAt: at(version),
  wrappedMaterial: randomBytes(60),
  publicKey: null,
});

const list = (q: TKeyListQuery) => ZKeyListQuery.parse(q);

/** Registers the behaviour every KmsStore must show, against the store the harness opens. */
export function describeStoreContract(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness;
    let store: FullStore;

    beforeAll(async () => {
      harness = await setup();
      store = await harness.open();
    });
    afterAll(async () => {
      await store?.close();
      await harness?.cleanup();
    });

    const newProject = async (overrides: Partial<TProject> = {}) => {
      const project = makeProject(overrides);
      await store.insertProject(project);
      return project;
    };
    const newKey = async (project: TProject, overrides: Partial<TKey> = {}) => {
      const key = makeKey(project, overrides);
      expect(await store.insertKey(key, makeVersion(key.id), 1000)).toBe("ok");
      return key;
    };

    describe("projects, principals and credentials", () => {
      it("returns what was inserted", async () => {
        const project = await newProject();
        expect(await store.getProject(project.id)).toEqual(project);
        expect((await store.listProjects()).map((p) => p.id)).toContain(project.id);
        expect(await store.getProject("nope")).toBeUndefined();
      });

      it("finds a credential with its principal, and a user by name", async () => {
        const project = await newProject();
        const user = {
          principal: { kind: "user" as const, id: randomUUID(), name: "alice" },
          domainId: project.domainId,
          passwordHash: "scrypt$abc",
          createdAt: at(2),
        };
        const service = {
          principal: { kind: "service" as const, id: randomUUID(), name: "OBS", service: "obs" as const },
          domainId: project.domainId,
          passwordHash: null,
          createdAt: at(2),
        };
        await store.insertPrincipal(user);
        await store.insertPrincipal(service);
        const credential = {
          accessKey: `AK${randomUUID()}`,
          wrappedSecretKey: randomBytes(48),
          projectId: project.id,
          principalId: service.principal.id,
          createdAt: at(3),
        };
        await store.insertCredential(credential);

        expect(await store.getCredential(credential.accessKey)).toEqual({
          credential,
          principal: service.principal,
          domainId: project.domainId,
        });
        expect(await store.getCredential("unknown")).toBeUndefined();
        expect(await store.getPrincipal(user.principal.id)).toEqual(user);
        expect(await store.getUserByName(project.domainId, "alice")).toEqual(user);
        expect(await store.getUserByName(project.domainId, "OBS")).toBeUndefined();
        expect(await store.getUserByName("other-domain", "alice")).toBeUndefined();
      });

      it("gives a user a role per project, and a user's credential works only where it has one", async () => {
        const home = await newProject();
        const other = await newProject({ domainId: home.domainId, createdAt: at(1) });
        const user = {
          principal: { kind: "user" as const, id: randomUUID(), name: "bob" },
          domainId: home.domainId,
          passwordHash: "scrypt$abc",
          createdAt: at(2),
        };
        await store.insertPrincipal(user);
        const credential = {
          accessKey: `AK${randomUUID()}`,
          wrappedSecretKey: randomBytes(48),
          projectId: home.id,
          principalId: user.principal.id,
          createdAt: at(3),
        };
        await store.insertCredential(credential);
        // No role in the credential's project: the credential does not authenticate.
        expect(await store.getCredential(credential.accessKey)).toBeUndefined();
        expect(await store.listProjectRoles(user.principal.id)).toEqual([]);

        await store.setProjectRole(home.id, user.principal.id, "viewer", at(4));
        expect((await store.getCredential(credential.accessKey))?.principal).toEqual({
          ...user.principal,
          role: "viewer",
        });
        await store.setProjectRole(home.id, user.principal.id, "admin", at(5));
        await store.setProjectRole(other.id, user.principal.id, "viewer", at(5));
        expect(await store.getProjectRole(home.id, user.principal.id)).toBe("admin");
        expect(await store.getProjectRole(other.id, user.principal.id)).toBe("viewer");
        expect(await store.listProjectRoles(user.principal.id)).toEqual([
          { project: home, role: "admin" },
          { project: other, role: "viewer" },
        ]);

        await store.setProjectRole(home.id, user.principal.id, null, at(6));
        expect(await store.getProjectRole(home.id, user.principal.id)).toBeUndefined();
        expect(await store.getCredential(credential.accessKey)).toBeUndefined();
        expect(await store.listProjectRoles(user.principal.id)).toEqual([{ project: other, role: "viewer" }]);
      });
    });

    describe("keys", () => {
      it("inserts a key's tags with the key, and neither when the quota refuses it", async () => {
        const project = await newProject();
        const key = makeKey(project);
        const tags = [
          { key: "a", value: "1" },
          { key: "b", value: "2" },
        ];
        expect(await store.insertKey(key, makeVersion(key.id), 1000, tags)).toBe("ok");
        expect(await store.getTags(key.id)).toEqual(expect.arrayContaining(tags));
        const refused = makeKey(project, { alias: "over-quota" });
        expect(await store.insertKey(refused, makeVersion(refused.id), 1, tags)).toBe("quota_exceeded");
        expect(await store.getTags(refused.id)).toEqual([]);
      });

      it("returns an inserted key and its versions as they were", async () => {
        const project = await newProject();
        const key = makeKey(project, {
          spec: "RSA_2048",
          usage: "SIGN_VERIFY",
          rotation: { enabled: true, intervalDays: 90, lastRotatedAt: at(5), rotationCount: 2 },
        });
        const version = { ...makeVersion(key.id), publicKey: randomBytes(294) };
        expect(await store.insertKey(key, version, 100)).toBe("ok");

        expect(await store.getKey(project.id, key.id)).toEqual(key);
        expect(await store.getKey("other-project", key.id)).toBeUndefined();
        expect(await store.getKeyWithVersion(project.id, key.id)).toEqual({ key, version });
        expect(await store.getKeyWithVersion(project.id, key.id, 1)).toEqual({ key, version });
        expect(await store.getKeyWithVersion(project.id, key.id, 2)).toBeUndefined();
        expect(await store.listKeyVersions(key.id)).toEqual([version]);
      });

      it("adds a version only on top of the expected current one", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const v2 = makeVersion(key.id, 2);
        const rotation = { enabled: true, intervalDays: 30, lastRotatedAt: at(9), rotationCount: 1 };

        const rotated = await store.addKeyVersion(project.id, v2, { rotation, updatedAt: at(9) });
        expect(rotated).toMatchObject({ currentVersion: 2, rotation, updatedAt: at(9) });
        expect(await store.addKeyVersion(project.id, makeVersion(key.id, 2), {})).toBeUndefined();
        expect((await store.getKeyWithVersion(project.id, key.id))?.version).toEqual(v2);
        expect((await store.getKeyWithVersion(project.id, key.id, 1))?.version.version).toBe(1);
        expect((await store.listKeyVersions(key.id)).map((v) => v.version)).toEqual([1, 2]);
      });

      it("refuses an alias used by another live key of the project, in inserts and updates", async () => {
        const project = await newProject();
        const other = await newProject();
        const first = await newKey(project, { alias: "shared" });
        const second = makeKey(project, { alias: "shared" });
        expect(await store.insertKey(second, makeVersion(second.id), 100)).toBe("alias_taken");
        expect(await store.getKey(project.id, second.id)).toBeUndefined();
        await newKey(other, { alias: "shared" });

        const third = await newKey(project, { alias: "third" });
        expect(await store.updateKey(project.id, third.id, {}, { alias: "shared" })).toBe("alias_taken");
        expect((await store.getKey(project.id, third.id))?.alias).toBe("third");
        expect((await store.getKey(project.id, first.id))?.alias).toBe("shared");
      });

      it("updates only while the expectation holds (compare-and-set)", async () => {
        const project = await newProject();
        const key = await newKey(project, { state: "enabled" });

        expect(
          await store.updateKey(project.id, key.id, { states: ["disabled"] }, { state: "enabled" }),
        ).toBe(undefined);
        expect(await store.updateKey(project.id, key.id, { currentVersion: 2 }, { description: "x" })).toBe(
          undefined,
        );
        const updated = await store.updateKey(
          project.id,
          key.id,
          { states: ["enabled"], currentVersion: 1 },
          { state: "disabled", description: "off", updatedAt: at(7) },
        );
        expect(updated).toEqual({ ...key, state: "disabled", description: "off", updatedAt: at(7) });
        expect(
          await store.updateKey(project.id, key.id, { states: ["enabled"] }, { state: "disabled" }),
        ).toBe(undefined);
        expect(await store.updateKey("other", key.id, {}, { description: "y" })).toBeUndefined();
        // An empty patch answers whether the expectation holds.
        expect(await store.updateKey(project.id, key.id, { states: ["disabled"] }, {})).toEqual(updated);
      });

      it("lets exactly one of two concurrent compare-and-set updates win", async () => {
        const project = await newProject();
        const key = await newKey(project, { state: "disabled" });
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.updateKey(project.id, key.id, { states: ["disabled"] }, { state: "enabled" }),
          ),
        );
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      });

      it("refuses custom keys beyond the quota, not counting default keys", async () => {
        const project = await newProject();
        const obs = makeDefaultKey(project, "obs");
        await store.insertDefaultKey(obs, makeVersion(obs.id));
        const results = await Promise.all(
          Array.from({ length: 12 }, () => {
            const key = makeKey(project);
            return store.insertKey(key, makeVersion(key.id), 5);
          }),
        );
        expect(results.filter((r) => r === "ok")).toHaveLength(5);
        expect(results.filter((r) => r === "quota_exceeded")).toHaveLength(7);
        expect(await store.countCustomKeys(project.id)).toBe(5);
      });

      it("keeps exactly one default key per service when 200 first uses race", async () => {
        const project = await newProject();
        const created = await Promise.all(
          Array.from({ length: 200 }, () => {
            const key = makeDefaultKey(project, "obs");
            return store.insertDefaultKey(key, makeVersion(key.id));
          }),
        );
        const ids = new Set(created.map((k) => k.id));
        expect(ids.size).toBe(1);
        const page = await store.listKeys(project.id, list({ kind: "default" }), []);
        expect(page.total).toBe(1);
        const [id] = [...ids];
        expect(await store.listKeyVersions(id!)).toHaveLength(1);
        expect(await store.getDefaultKey(project.id, "obs")).toEqual(created[0]);
        expect(await store.getDefaultKey(project.id, "evs")).toBeUndefined();
        expect(await store.countCustomKeys(project.id)).toBe(0);
      });

      it("keeps exactly one default key when two store instances on one database race", async () => {
        const project = await newProject();
        const second = await harness.open();
        try {
          const created = await Promise.all(
            Array.from({ length: 100 }, (_, i) => {
              const key = makeDefaultKey(project, "evs");
              return (i % 2 ? store : second).insertDefaultKey(key, makeVersion(key.id));
            }),
          );
          expect(new Set(created.map((k) => k.id)).size).toBe(1);
          const quota = await Promise.all(
            Array.from({ length: 10 }, (_, i) => {
              const key = makeKey(project);
              return (i % 2 ? store : second).insertKey(key, makeVersion(key.id), 3);
            }),
          );
          expect(quota.filter((r) => r === "ok")).toHaveLength(3);
        } finally {
          await second.close();
        }
        expect((await store.listKeys(project.id, list({}), [])).total).toBe(4);
      });
    });

    describe("key cache", () => {
      it("answers a repeated lookup from memory until any connection changes a key or a version", async () => {
        const other = await harness.open(); // another process's store on the same database
        try {
          const project = await newProject();
          const key = await newKey(project);
          const lookup = () => store.getKeyWithVersion(project.id, key.id);

          const first = await lookup();
          expect(await lookup()).toBe(first); // the same object: served from the cache
          expect(Object.isFrozen(first?.key)).toBe(true);

          // Another process's change is seen by the first lookup asked for after it returned.
          await other.updateKey(project.id, key.id, { states: ["enabled"] }, { state: "disabled" });
          expect((await lookup())?.key.state).toBe("disabled");

          await other.addKeyVersion(project.id, makeVersion(key.id, 2), {});
          expect((await lookup())?.version.version).toBe(2);
          expect((await store.getKeyWithVersion(project.id, key.id, 1))?.version.version).toBe(1);

          // Triggers, not code paths: a write that bypasses every store invalidates as well.
          await harness.exec(
            `update keys set description = 'changed by hand' where id = ${harness.param(1)}`,
            [key.id],
          );
          expect((await lookup())?.key.description).toBe("changed by hand");

          await store.updateKey(project.id, key.id, {}, { description: "mine" });
          expect((await lookup())?.key.description).toBe("mine");
        } finally {
          await other.close();
        }
      });
    });

    describe("deletion", () => {
      it("lists due deletions oldest first and destroys only keys whose date has passed", async () => {
        const project = await newProject();
        const pending = (minutes: number) =>
          newKey(project, {
            state: "pending_deletion",
            deletionScheduledAt: at(0),
            deletionDate: at(minutes),
            alias: `doomed-${minutes}`,
          });
        const later = await pending(500);
        const soon = await pending(100);
        const enabled = await newKey(project);
        await store.recordUsage([usage(project, soon.id, at(60), 3)], []);

        const due = (await store.listDueDeletions(at(200), 1000)).filter((d) => d.projectId === project.id);
        expect(due).toEqual([{ projectId: project.id, keyId: soon.id }]);

        expect(await store.destroyKey(project.id, later.id, at(200))).toBe(false);
        expect(await store.destroyKey(project.id, enabled.id, at(200))).toBe(false);
        expect(await store.destroyKey(project.id, soon.id, at(200))).toBe(true);
        expect(await store.destroyKey(project.id, soon.id, at(200))).toBe(false);

        expect(await store.getKey(project.id, soon.id)).toBeUndefined();
        expect(await store.getKeyWithVersion(project.id, soon.id)).toBeUndefined();
        expect(await store.listKeyVersions(soon.id)).toEqual([]);
        expect(await store.updateKey(project.id, soon.id, {}, { description: "x" })).toBeUndefined();
        expect((await store.listDueDeletions(at(200), 1000)).map((d) => d.keyId)).not.toContain(soon.id);
        expect((await store.listKeys(project.id, list({}), [])).items.map((k) => k.id)).not.toContain(
          soon.id,
        );
        // Billing history stays.
        expect(await store.sumUsage({ keyId: soon.id })).toBe(3);

        const rows = await harness.raw(
          `select wrapped_material from key_versions where key_id = ${harness.param(1)}`,
          [soon.id],
        );
        expect(rows).toHaveLength(1);
        expect(Buffer.from(rows[0]!.wrapped_material as Uint8Array).length).toBe(0);

        // The alias is free again.
        await newKey(project, { alias: "doomed-100" });
      });
    });

    describe("rotation", () => {
      it("lists the enabled symmetric custom keys whose interval has passed, by key ID, page by page", async () => {
        const project = await newProject();
        const DAY = 86_400_000;
        const rotating = (days: number, overrides: Partial<TKey> = {}) =>
          newKey(project, {
            rotation: { enabled: true, intervalDays: days, lastRotatedAt: null, rotationCount: 0 },
            ...overrides,
          });
        const now = new Date(at(1).getTime() + 40 * DAY);
        const due = [await rotating(30), await rotating(35), await rotating(31)];
        await rotating(60); // not due yet
        await newKey(project); // rotation off
        await rotating(30, { state: "disabled" });
        await rotating(30, { spec: "RSA_2048", usage: "ENCRYPT_DECRYPT" });
        await rotating(30, { origin: "external" });
        // Counted from the last rotation when there was one.
        await rotating(30, {
          rotation: { enabled: true, intervalDays: 30, lastRotatedAt: at(20 * 24 * 60), rotationCount: 1 },
        });
        const mine = (rows: Array<{ projectId: string; keyId: string }>) =>
          rows.filter((r) => r.projectId === project.id).map((r) => r.keyId);

        const all = mine(await store.listDueRotations(now, 1000));
        expect(all).toEqual(due.map((k) => k.id).sort());
        const afterFirst = mine(await store.listDueRotations(now, 1000, all[0]));
        expect(afterFirst).toEqual(all.slice(1));
      });
    });

    describe("tags", () => {
      it("adds, overwrites and removes tags up to the maximum", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const tags = (n: number, prefix = "k") =>
          Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: "v" }));

        expect(await store.updateTags(key.id, tags(3), [], 3)).toBe("ok");
        expect(await store.updateTags(key.id, [{ key: "extra", value: "v" }], [], 3)).toBe("too_many");
        expect(await store.getTags(key.id)).toHaveLength(3);
        expect(
          await store.updateTags(
            key.id,
            [
              { key: "k0", value: "new" },
              { key: "x", value: "y" },
            ],
            ["k1", "k2"],
            3,
          ),
        ).toBe("ok");
        expect(await store.getTags(key.id)).toEqual([
          { key: "k0", value: "new" },
          { key: "x", value: "y" },
        ]);
        expect(await store.updateTags(randomUUID(), tags(1), [], 3)).toBe("not_found");
      });

      it("never exceeds the maximum under concurrent updates", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store.updateTags(key.id, [{ key: `t${i}`, value: "v" }], [], 20),
          ),
        );
        expect(results.filter((r) => r === "ok")).toHaveLength(20);
        expect(await store.getTags(key.id)).toHaveLength(20);
      });

      it("lists project tags and keys by tags", async () => {
        const project = await newProject();
        const a = await newKey(project, { alias: "app-a", createdAt: at(1) });
        const b = await newKey(project, { alias: "app-b", createdAt: at(2) });
        const c = await newKey(project, { alias: "db-c", createdAt: at(3) });
        await store.updateTags(
          a.id,
          [
            { key: "env", value: "prod" },
            { key: "team", value: "x" },
          ],
          [],
          20,
        );
        await store.updateTags(b.id, [{ key: "env", value: "dev" }], [], 20);
        await store.updateTags(c.id, [{ key: "env", value: "prod" }], [], 20);

        expect(await store.listProjectTags(project.id)).toEqual([
          { key: "env", values: ["dev", "prod"] },
          { key: "team", values: ["x"] },
        ]);
        const prod = await store.listKeysByTags(
          project.id,
          [{ key: "env", values: ["prod"] }],
          undefined,
          0,
          10,
        );
        expect(prod.total).toBe(2);
        expect(prod.items.map((i) => i.key.id)).toEqual([c.id, a.id]);
        expect(prod.items[1]!.tags).toEqual([
          { key: "env", value: "prod" },
          { key: "team", value: "x" },
        ]);
        const both = await store.listKeysByTags(
          project.id,
          [
            { key: "env", values: ["prod", "dev"] },
            { key: "team", values: ["x"] },
          ],
          undefined,
          0,
          10,
        );
        expect(both.items.map((i) => i.key.id)).toEqual([a.id]);
        const app = await store.listKeysByTags(
          project.id,
          [{ key: "env", values: ["prod", "dev"] }],
          "app",
          0,
          10,
        );
        expect(app.items.map((i) => i.key.id)).toEqual([b.id, a.id]);
        expect((await store.listKeysByTags(project.id, [], "APP", 0, 10)).total).toBe(0);
        const paged = await store.listKeysByTags(project.id, [], undefined, 1, 1);
        expect(paged).toMatchObject({ total: 3, items: [{ key: { id: b.id } }] });
      });
    });

    describe("grants", () => {
      const grant = (key: TKey, overrides: Partial<GrantRecord> = {}): GrantRecord => ({
        id: randomUUID(),
        keyId: key.id,
        projectId: key.projectId,
        name: "g",
        granteePrincipal: "bob",
        granteePrincipalType: "user",
        operations: ["encrypt-data", "decrypt-data"],
        issuingPrincipal: "alice",
        retiringPrincipal: "carol",
        createdAt: at(4),
        parentGrantId: null,
        ...overrides,
      });

      it("stores, lists, checks and deletes grants up to the maximum per key", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const g1 = grant(key, { createdAt: at(1) });
        const g2 = grant(key, { createdAt: at(2), granteePrincipal: "dave", retiringPrincipal: null });
        expect(await store.insertGrant(g1, 2)).toBe("ok");
        expect(await store.insertGrant(g2, 2)).toBe("ok");
        expect(await store.insertGrant(grant(key), 2)).toBe("too_many");

        expect(await store.getGrant(g1.id)).toEqual(g1);
        expect(await store.listGrants(key.id, 0, 10)).toEqual({ items: [g1, g2], total: 2 });
        expect(await store.listGrants(key.id, 1, 10)).toEqual({ items: [g2], total: 2 });
        expect(await store.listRetirableGrants(project.id, "carol", 0, 10)).toEqual({
          items: [g1],
          total: 1,
        });
        expect(await store.hasGrant(key.id, "bob", "decrypt-data")).toBe(true);
        expect(await store.hasGrant(key.id, "bob", "sign")).toBe(false);
        expect(await store.hasGrant(key.id, "eve", "decrypt-data")).toBe(false);

        expect(await store.deleteGrant(g1.id)).toEqual([g1.id]);
        expect(await store.deleteGrant(g1.id)).toEqual([]);
        expect(await store.hasGrant(key.id, "bob", "decrypt-data")).toBe(false);
      });

      it("deletes every grant derived from a deleted one, transitively, and nothing else", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const root = grant(key, { granteePrincipal: "bob" });
        const child = grant(key, {
          granteePrincipal: "dave",
          issuingPrincipal: "bob",
          parentGrantId: root.id,
        });
        const grandchild = grant(key, {
          granteePrincipal: "eve",
          issuingPrincipal: "dave",
          parentGrantId: child.id,
        });
        const sibling = grant(key, { granteePrincipal: "frank" });
        for (const g of [root, child, grandchild, sibling]) expect(await store.insertGrant(g, 10)).toBe("ok");
        expect(await store.getGrant(grandchild.id)).toEqual(grandchild);

        expect((await store.deleteGrant(child.id)).sort()).toEqual([child.id, grandchild.id].sort());
        expect(await store.hasGrant(key.id, "eve", "decrypt-data")).toBe(false);
        expect(await store.hasGrant(key.id, "bob", "decrypt-data")).toBe(true);
        expect(await store.deleteGrant(root.id)).toEqual([root.id]);
        expect((await store.listGrants(key.id, 0, 10)).items).toEqual([sibling]);
      });

      it("refuses a derived grant whose parent is gone, even when both race", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const root = grant(key);
        expect(await store.insertGrant(root, 100)).toBe("ok");
        const children = Array.from({ length: 10 }, () =>
          grant(key, { granteePrincipal: "dave", issuingPrincipal: "bob", parentGrantId: root.id }),
        );
        const [deleted, ...results] = await Promise.all([
          store.deleteGrant(root.id),
          ...children.map((c) => store.insertGrant(c, 100)),
        ]);
        const written = children.filter((_, i) => results[i] === "ok").map((c) => c.id);
        expect([...(deleted as string[])].sort()).toEqual([root.id, ...written].sort());
        expect(results.every((r) => r === "ok" || r === "parent_revoked")).toBe(true);
        expect((await store.listGrants(key.id, 0, 100)).total).toBe(0);
        expect(await store.insertGrant(grant(key, { parentGrantId: root.id }), 100)).toBe("parent_revoked");
      });

      it("never exceeds the maximum under concurrent inserts", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.insertGrant(grant(key), 7)));
        expect(results.filter((r) => r === "ok")).toHaveLength(7);
        expect((await store.listGrants(key.id, 0, 100)).total).toBe(7);
      });
    });

    describe("metering and audit", () => {
      it("adds up concurrent batches exactly and moves lastUsedAt forward", async () => {
        const project = await newProject();
        const keys = [await newKey(project), await newKey(project), await newKey(project)];
        const hours = [at(0), at(60), at(120)];
        let expected = 0;
        const perKey = new Map<string, number>();
        const batches = Array.from({ length: 25 }, (_, b) =>
          Array.from({ length: 40 }, (_, i) => {
            const key = keys[(b + i) % keys.length]!;
            const count = 1 + ((b * 7 + i) % 5);
            expected += count;
            perKey.set(key.id, (perKey.get(key.id) ?? 0) + count);
            return usage(project, key.id, hours[i % hours.length]!, count);
          }),
        );
        const projectLevel = usage(project, "", at(0), 11);
        expected += 11;
        await Promise.all([
          ...batches.map((counts) => store.recordUsage(counts, [])),
          store.recordUsage([projectLevel], []),
        ]);

        expect(await store.sumUsage({ projectId: project.id })).toBe(expected);
        expect(await store.sumUsage({ domainId: project.domainId })).toBe(expected);
        for (const key of keys) expect(await store.sumUsage({ keyId: key.id })).toBe(perKey.get(key.id));
        expect(await store.sumUsage({ keyId: "", projectId: project.id })).toBe(11);
        const firstHour = await store.sumUsage({ projectId: project.id, from: at(0), to: at(60) });
        const laterHours = await store.sumUsage({ projectId: project.id, from: at(60) });
        expect(firstHour + laterHours).toBe(expected);
        expect(laterHours).toBeGreaterThan(0);
        expect(await store.sumUsage({ projectId: "nobody" })).toBe(0);

        for (const key of keys) expect((await store.getKey(project.id, key.id))?.lastUsedAt).toEqual(at(120));
        // An older batch does not move it back.
        await store.recordUsage([usage(project, keys[0]!.id, at(0), 1)], []);
        expect((await store.getKey(project.id, keys[0]!.id))?.lastUsedAt).toEqual(at(120));

        const daily = await harness.raw(
          `select sum(count) as n from usage_daily where project_id = ${harness.param(1)}`,
          [project.id],
        );
        const monthly = await harness.raw(
          `select sum(count) as n from usage_monthly where domain_id = ${harness.param(1)} and month = '2025-01'`,
          [project.domainId],
        );
        expect(Number(daily[0]!.n)).toBe(expected + 1);
        expect(Number(monthly[0]!.n)).toBe(expected + 1);
      });

      it("writes a batch larger than one statement's parameter limit", async () => {
        const project = await newProject();
        const counts = Array.from({ length: 12_000 }, (_, i) => ({
          ...usage(project, "", at(0), 1),
          principalId: `principal-${i}`,
        }));
        const audits = Array.from({ length: 4_000 }, (_, i) => audit(project, { time: at(i % 60) }));
        await store.recordUsage(counts, audits);
        expect(await store.sumUsage({ projectId: project.id })).toBe(12_000);
        const page = await store.listAudit({ projectId: project.id, limit: 1000 });
        expect(page.items).toHaveLength(1000);
      });

      it("lists audit events newest first, filtered, page by page", async () => {
        const project = await newProject();
        const key = await newKey(project);
        const events = Array.from({ length: 23 }, (_, i) =>
          audit(project, {
            time: at(i % 7),
            keyId: i % 2 ? key.id : null,
            result: i % 3 ? "success" : "refused",
            errorCode: i % 3 ? null : "KMS.0209",
            details: { i, note: "n", flag: true, none: null },
          }),
        );
        await store.recordUsage([], events.slice(0, 10));
        await store.recordUsage([], events.slice(10));

        const seen: TAuditEvent[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listAudit({
            projectId: project.id,
            limit: 5,
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const order = (a: TAuditEvent, b: TAuditEvent) =>
          b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
        expect(seen).toEqual([...events].sort(order));

        const refusedOnKey = await store.listAudit({
          projectId: project.id,
          keyId: key.id,
          result: "refused",
          limit: 100,
        });
        expect(refusedOnKey.items.map((e) => e.id).sort()).toEqual(
          events
            .filter((e) => e.keyId === key.id && e.result === "refused")
            .map((e) => e.id)
            .sort(),
        );
        expect(
          (
            await store.listAudit({
              projectId: project.id,
              operation: "disable-key",
              principalId: "p1",
              limit: 100,
            })
          ).items,
        ).toHaveLength(23);
        expect(
          (await store.listAudit({ projectId: project.id, principalId: "p2", limit: 100 })).items,
        ).toHaveLength(0);
      });
    });

    describe("key-list totals", () => {
      const SPECS: TKeySpec[] = ["AES_256", "RSA_2048", "HMAC_256"];
      const QUERIES: TKeyListQuery[] = [
        {},
        { states: ["enabled"] },
        { states: ["disabled", "pending_deletion"], specs: ["AES_256"] },
        { kind: "default" },
        { kind: "custom", specs: ["RSA_2048", "HMAC_256"] },
        { includeHidden: false },
        { search: "t-1" },
        { search: "t-", states: ["enabled"], kind: "custom" },
        { search: "vbs/" },
      ];
      const expectedTotal = (keys: TKey[], q: TKeyListQuery) => {
        const p = list(q);
        return keys.filter(
          (k) =>
            (!p.states || p.states.includes(k.state)) &&
            (!p.specs || p.specs.includes(k.spec)) &&
            (p.kind !== "default" || k.isDefault) &&
            (p.kind !== "custom" || !k.isDefault) &&
            (p.includeHidden || !k.isDefault || !HIDDEN_SERVICES.includes(k.service as TServiceCode)) &&
            (!p.search || k.alias.startsWith(p.search) || k.id.startsWith(p.search)),
        ).length;
      };
      const liveKeys = async (projectId: string) =>
        (await store.listKeys(projectId, list({ limit: 1000 }), [])).items;
      const checkTotals = async (projectId: string) => {
        const keys = await liveKeys(projectId);
        for (const q of QUERIES) {
          const page = await store.listKeys(projectId, list({ ...q, limit: 1 }), HIDDEN_SERVICES);
          expect(page.total, JSON.stringify(q)).toBe(expectedTotal(keys, q));
        }
        return keys;
      };

      it("stay exact through inserts, state changes, rotation and destruction", async () => {
        const project = await newProject();
        for (let i = 0; i < 24; i++) {
          await newKey(project, {
            alias: `t-${i}`,
            spec: SPECS[i % SPECS.length]!,
            state: i % 4 === 0 ? "disabled" : "enabled",
          });
        }
        for (const service of ["obs", "vbs", "sfs"] as const) {
          const key = makeDefaultKey(project, service);
          await store.insertDefaultKey(key, makeVersion(key.id));
          await store.insertDefaultKey(makeDefaultKey(project, service), makeVersion(randomUUID()));
        }
        let keys = await checkTotals(project.id);
        expect(keys).toHaveLength(27);

        const custom = keys.filter((k) => !k.isDefault);
        for (const k of custom.slice(0, 6)) {
          await store.updateKey(
            project.id,
            k.id,
            {},
            { state: k.state === "enabled" ? "disabled" : "enabled" },
          );
        }
        // A refused compare-and-set and an alias change move nothing.
        await store.updateKey(
          project.id,
          custom[7]!.id,
          { states: ["pending_import"] },
          { state: "disabled" },
        );
        await store.updateKey(project.id, custom[8]!.id, {}, { alias: "t-renamed", description: "d" });
        await store.addKeyVersion(project.id, makeVersion(custom[9]!.id, 2), {});
        for (const k of custom.slice(10, 14)) {
          await store.updateKey(
            project.id,
            k.id,
            {},
            { state: "pending_deletion", deletionScheduledAt: at(10), deletionDate: at(20) },
          );
        }
        keys = await checkTotals(project.id);
        expect(keys.filter((k) => k.state === "pending_deletion")).toHaveLength(4);

        expect(await store.destroyKey(project.id, custom[10]!.id, at(30))).toBe(true);
        expect(await store.destroyKey(project.id, custom[11]!.id, at(30))).toBe(true);
        await store.updateKey(
          project.id,
          custom[12]!.id,
          {},
          { state: "disabled", deletionScheduledAt: null },
        );
        keys = await checkTotals(project.id);
        expect(keys).toHaveLength(25);
      });

      it("stay exact under concurrent writers on two store instances", async () => {
        const project = await newProject();
        const keys: TKey[] = [];
        for (let i = 0; i < 30; i++) {
          keys.push(await newKey(project, { alias: `t-${i}`, state: i % 2 ? "enabled" : "disabled" }));
        }
        const second = await harness.open();
        try {
          // Keys move between the same two states in both directions at once, while keys are inserted.
          await Promise.all([
            ...keys.map((k, i) =>
              (i % 2 ? store : second).updateKey(
                project.id,
                k.id,
                {},
                { state: k.state === "enabled" ? "disabled" : "enabled" },
              ),
            ),
            ...Array.from({ length: 20 }, (_, i) => {
              const key = makeKey(project, { alias: `t-new-${i}`, spec: SPECS[i % 3]! });
              return (i % 2 ? second : store).insertKey(key, makeVersion(key.id), 1000);
            }),
            ...Array.from({ length: 10 }, () =>
              (Math.random() < 0.5 ? store : second).updateKey(
                project.id,
                keys[0]!.id,
                { states: ["enabled", "disabled"] },
                { state: "pending_deletion", deletionScheduledAt: at(1), deletionDate: at(2) },
              ),
            ),
          ]);
        } finally {
          await second.close();
        }
        const live = await checkTotals(project.id);
        expect(live).toHaveLength(50);
        const rows = await harness.raw(
          `select state, count(*) as n from keys where project_id = ${harness.param(1)} and destroyed_at is null group by state`,
          [project.id],
        );
        for (const r of rows) {
          const page = await store.listKeys(project.id, list({ states: [r.state as TKeyState] }), []);
          expect(page.total).toBe(Number(r.n));
        }
      });
    });

    describe("usage reports", () => {
      const count = (
        project: TProject,
        keyId: string,
        hour: Date,
        n: number,
        principalId = "p1",
        operation: TUsageCount["operation"] = "encrypt-data",
      ): TUsageCount => ({ ...usage(project, keyId, hour, n), principalId, operation });
      const H = (iso: string) => new Date(iso);

      it("answers series, dependents, month requests and the month summary from the rollups", async () => {
        const project = await newProject();
        const sibling = makeProject({ domainId: project.domainId });
        await store.insertProject(sibling);
        const stranger = await newProject();
        const a = await newKey(project, { alias: "a" });
        const b = await newKey(project, { alias: "b" });
        const obsKey = makeDefaultKey(project, "obs");
        const obs = await store.insertDefaultKey(obsKey, makeVersion(obsKey.id));
        const s = await newKey(sibling, { alias: "s" });
        await store.recordUsage(
          [
            count(project, a.id, H("2025-02-28T23:00:00Z"), 5, "u1", "decrypt-data"),
            count(project, a.id, H("2025-03-01T00:00:00Z"), 3, "u1", "encrypt-data"),
            count(project, a.id, H("2025-03-01T00:00:00Z"), 4, "svc", "encrypt-data"),
            count(project, a.id, H("2025-03-01T05:00:00Z"), 2, "u1", "decrypt-data"),
            count(project, a.id, H("2025-03-03T10:00:00Z"), 7, "svc", "encrypt-data"),
            count(project, b.id, H("2025-03-02T10:00:00Z"), 11, "u1", "sign"),
            count(project, obs.id, H("2025-03-02T11:00:00Z"), 13, "svc", "encrypt-data"),
            count(project, "", H("2025-03-02T11:00:00Z"), 1, "u1", "list-keys"),
            count(sibling, s.id, H("2025-03-31T23:00:00Z"), 17, "u2", "encrypt-data"),
            count(stranger, randomUUID(), H("2025-03-05T00:00:00Z"), 1000, "x", "encrypt-data"),
          ],
          [],
        );
        // A second batch adds to the same rows.
        await store.recordUsage(
          [count(project, a.id, H("2025-03-01T00:00:00Z"), 1, "u1", "encrypt-data")],
          [],
        );

        expect(
          await store.keyUsageSeries(
            project.id,
            a.id,
            H("2025-03-01T00:30:00Z"),
            H("2025-03-03T10:00:00Z"),
            "hour",
          ),
        ).toEqual([
          { period: H("2025-03-01T00:00:00Z"), operation: "encrypt-data", count: 8 },
          { period: H("2025-03-01T05:00:00Z"), operation: "decrypt-data", count: 2 },
        ]);
        expect(
          await store.keyUsageSeries(
            project.id,
            a.id,
            H("2025-02-28T12:00:00Z"),
            H("2025-03-03T01:00:00Z"),
            "day",
          ),
        ).toEqual([
          { period: H("2025-02-28T00:00:00Z"), operation: "decrypt-data", count: 5 },
          { period: H("2025-03-01T00:00:00Z"), operation: "decrypt-data", count: 2 },
          { period: H("2025-03-01T00:00:00Z"), operation: "encrypt-data", count: 8 },
          { period: H("2025-03-03T00:00:00Z"), operation: "encrypt-data", count: 7 },
        ]);
        expect(await store.keyUsageSeries("other", a.id, H("2025-01-01"), H("2026-01-01"), "day")).toEqual(
          [],
        );

        expect(await store.keyDependents(project.id, a.id)).toEqual(
          [
            {
              principalId: "u1",
              requests: 11,
              operations: ["decrypt-data", "encrypt-data"],
              lastUsedHour: H("2025-03-01T05:00:00Z"),
            },
            {
              principalId: "svc",
              requests: 11,
              operations: ["encrypt-data"],
              lastUsedHour: H("2025-03-03T10:00:00Z"),
            },
          ].sort((x, y) => (x.principalId < y.principalId ? -1 : 1)),
        );

        const march = await store.keyRequestsInMonth(
          project.id,
          [a.id, b.id, obs.id, s.id, "nope"],
          "2025-03",
        );
        expect(Object.fromEntries(march)).toEqual({ [a.id]: 17, [b.id]: 11, [obs.id]: 13 });
        expect(Object.fromEntries(await store.keyRequestsInMonth(project.id, [a.id], "2025-02"))).toEqual({
          [a.id]: 5,
        });
        expect((await store.keyRequestsInMonth(project.id, [], "2025-03")).size).toBe(0);

        const summary = await store.monthUsage(project.domainId, "2025-03");
        const byKey = (id: string) => summary.byKey.find((k) => k.keyId === id);
        expect(byKey(a.id)).toEqual({
          projectId: project.id,
          keyId: a.id,
          alias: "a",
          isDefault: false,
          requests: 17,
        });
        expect(byKey(obs.id)).toMatchObject({ alias: "obs/default", isDefault: true, requests: 13 });
        expect(byKey("")).toEqual({
          projectId: project.id,
          keyId: "",
          alias: null,
          isDefault: false,
          requests: 1,
        });
        expect(byKey(s.id)).toMatchObject({ projectId: sibling.id, requests: 17 });
        expect(summary.byKey).toHaveLength(5);
        expect(Object.fromEntries(summary.byPrincipal.map((p) => [p.principalId, p.requests]))).toEqual({
          u1: 18,
          svc: 24,
          u2: 17,
        });
        expect(summary.daily).toEqual([
          { day: "2025-03-01", requests: 10 },
          { day: "2025-03-02", requests: 25 },
          { day: "2025-03-03", requests: 7 },
          { day: "2025-03-31", requests: 17 },
        ]);
        const total = summary.daily.reduce((n, d) => n + d.requests, 0);
        expect(summary.byKey.reduce((n, k) => n + k.requests, 0)).toBe(total);
        expect((await store.monthUsage(project.domainId, "2025-02")).daily).toEqual([
          { day: "2025-02-28", requests: 5 },
        ]);
      });

      it("lists hosted custom key versions with when their billing stopped", async () => {
        const project = await newProject();
        const from = H("2025-03-01T00:00:00Z");
        const to = H("2025-04-01T00:00:00Z");
        const rotated = await newKey(project, { alias: "rotated", createdAt: H("2025-01-10T00:00:00Z") });
        await store.addKeyVersion(
          project.id,
          { ...makeVersion(rotated.id, 2), createdAt: H("2025-03-10T00:00:00Z") },
          {},
        );
        const pending = await newKey(project, { alias: "pending" });
        await store.updateKey(
          project.id,
          pending.id,
          {},
          {
            state: "pending_deletion",
            deletionScheduledAt: H("2025-03-05T00:00:00Z"),
            deletionDate: H("2025-03-12T00:00:00Z"),
          },
        );
        const destroyed = await newKey(project, { alias: "destroyed" });
        await store.updateKey(
          project.id,
          destroyed.id,
          {},
          {
            state: "pending_deletion",
            deletionScheduledAt: H("2025-03-06T00:00:00Z"),
            deletionDate: H("2025-03-13T00:00:00Z"),
          },
        );
        expect(await store.destroyKey(project.id, destroyed.id, H("2025-03-14T00:00:00Z"))).toBe(true);
        const stoppedEarlier = await newKey(project, {
          alias: "gone-before",
          state: "pending_deletion",
          deletionScheduledAt: H("2025-02-01T00:00:00Z"),
          deletionDate: H("2025-02-08T00:00:00Z"),
        });
        const cancelled = await newKey(project, {
          alias: "cancelled",
          state: "disabled",
          deletionScheduledAt: null,
        });
        const later = await newKey(project, { alias: "later" });
        await store.updateKey(project.id, later.id, {}, {});
        const obsKey = makeDefaultKey(project, "obs");
        await store.insertDefaultKey(obsKey, makeVersion(obsKey.id));
        const versions = (await store.listKeyVersions(later.id)).map((v) => v.version);
        expect(versions).toEqual([1]);

        const hosted = await store.hostedVersions(project.domainId, from, to);
        const find = (keyId: string) => hosted.filter((h) => h.keyId === keyId);
        expect(find(rotated.id)).toEqual([
          {
            projectId: project.id,
            keyId: rotated.id,
            alias: "rotated",
            version: 1,
            createdAt: at(1),
            billedUntil: null,
          },
          {
            projectId: project.id,
            keyId: rotated.id,
            alias: "rotated",
            version: 2,
            createdAt: H("2025-03-10T00:00:00Z"),
            billedUntil: null,
          },
        ]);
        expect(find(pending.id).map((h) => h.billedUntil)).toEqual([H("2025-03-05T00:00:00Z")]);
        expect(find(destroyed.id).map((h) => h.billedUntil)).toEqual([H("2025-03-06T00:00:00Z")]);
        expect(find(stoppedEarlier.id)).toEqual([]);
        expect(find(cancelled.id).map((h) => h.billedUntil)).toEqual([null]);
        expect(hosted.every((h) => !h.alias.endsWith("/default"))).toBe(true);
        // Versions created at or after `to` are left out.
        expect(
          (await store.hostedVersions(project.domainId, from, H("2025-03-10T00:00:00Z"))).filter(
            (h) => h.keyId === rotated.id,
          ),
        ).toHaveLength(1);
        expect(await store.hostedVersions("other-domain", from, to)).toEqual([]);
      });
    });

    describe("sessions", () => {
      it("returns a session until it expires, and deletes one or all expired", async () => {
        const session = (expiresAt: Date) => ({
          idHash: randomBytes(32).toString("hex"),
          principalId: randomUUID(),
          domainId: "d",
          username: "alice",
          csrfToken: randomBytes(16).toString("hex"),
          createdAt: at(0),
          expiresAt,
        });
        const live = session(at(60));
        const old = session(at(10));
        await store.insertSession(live);
        await store.insertSession(old);
        expect(await store.getSession(live.idHash, at(30))).toEqual(live);
        expect(await store.getSession(old.idHash, at(30))).toBeUndefined();
        expect(await store.getSession(live.idHash, at(60))).toBeUndefined();
        expect(await store.deleteExpiredSessions(at(30))).toBeGreaterThanOrEqual(1);
        expect(await store.getSession(old.idHash, at(0))).toBeUndefined();
        expect(await store.getSession(live.idHash, at(0))).toEqual(live);
        await store.deleteSession(live.idHash);
        expect(await store.getSession(live.idHash, at(0))).toBeUndefined();
      });
    });

    describe("audit feed", () => {
      it("starts at the newest event and then returns every later event once, in commit order", async () => {
        const project = await newProject();
        await store.recordUsage([], [audit(project), audit(project)]);
        const start = await store.auditAfter(project.id, null, 100);
        expect(start.items).toEqual([]);
        expect(start.cursor).not.toBeNull();
        expect(await store.auditAfter(project.id, start.cursor, 100)).toEqual({
          items: [],
          cursor: start.cursor,
        });

        const second = await harness.open();
        const written: string[] = [];
        try {
          await Promise.all(
            Array.from({ length: 20 }, (_, i) => {
              // Times out of order on purpose: the feed follows commits, not event times.
              const events = [audit(project, { time: at(100 - i) }), audit(project, { time: at(i) })];
              written.push(...events.map((e) => e.id));
              return (i % 2 ? store : second).recordUsage([usage(project, "", at(0), 1)], events);
            }),
          );
        } finally {
          await second.close();
        }
        await store.recordUsage([], [audit(await newProject())]);
        const seen: string[] = [];
        let cursor = start.cursor;
        for (let i = 0; i < 20; i++) {
          const page = await store.auditAfter(project.id, cursor, 7);
          seen.push(...page.items.map((e) => e.id));
          if (page.items.length === 0) break;
          cursor = page.cursor;
        }
        expect(seen.sort()).toEqual(written.sort());
        await expect(store.auditAfter(project.id, "garbage", 10)).rejects.toThrow();
      });

      it("never skips an event committed while a reader follows", async () => {
        const project = await newProject();
        let cursor = (await store.auditAfter(project.id, null, 100)).cursor;
        const seen = new Set<string>();
        const ids: string[] = [];
        const writers = Promise.all(
          Array.from({ length: 30 }, async () => {
            const e = audit(project);
            ids.push(e.id);
            await store.recordUsage([], [e]);
          }),
        );
        for (let i = 0; i < 200 && seen.size < 30; i++) {
          const page = await store.auditAfter(project.id, cursor, 5);
          for (const e of page.items) {
            expect(seen.has(e.id)).toBe(false);
            seen.add(e.id);
          }
          cursor = page.cursor;
          await new Promise((r) => setTimeout(r, 1));
        }
        await writers;
        for (;;) {
          const page = await store.auditAfter(project.id, cursor, 100);
          if (page.items.length === 0) break;
          for (const e of page.items) seen.add(e.id);
          cursor = page.cursor;
        }
        expect([...seen].sort()).toEqual(ids.sort());
      });
    });

    describe("listKeys", () => {
      const STATES: TKeyState[] = ["enabled", "disabled", "pending_deletion"];
      const SPECS: TKeySpec[] = ["AES_256", "RSA_2048", "HMAC_256"];
      let project: TProject;
      let all: TKey[];

      beforeAll(async () => {
        project = await newProject();
        all = [];
        for (let i = 0; i < 120; i++) {
          // Repeated createdAt and lastUsedAt values exercise the ID tie-breaker.
          all.push(
            await newKey(project, {
              alias: `${["app", "db", "Web"][i % 3]}-${String(i).padStart(3, "0")}`,
              state: STATES[i % 3]!,
              spec: SPECS[i % SPECS.length]!,
              createdAt: at(Math.floor(i / 4)),
              lastUsedAt: i % 5 === 0 ? null : at(i % 9),
            }),
          );
        }
        for (const service of ["obs", "vbs", "cce"] as const) {
          const key = { ...makeDefaultKey(project, service), createdAt: at(50) };
          all.push(await store.insertDefaultKey(key, makeVersion(key.id)));
        }
      });

      const sortValue = (k: TKey, sort: string): string | number => {
        switch (sort) {
          case "alias":
            return k.alias;
          case "state":
            return k.state;
          case "spec":
            return k.spec;
          case "lastUsedAt":
            return k.lastUsedAt?.getTime() ?? 0;
          default:
            return k.createdAt.getTime();
        }
      };
      const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
      const expected = (keys: TKey[], sort: string, order: "asc" | "desc") =>
        [...keys]
          .sort((a, b) => cmp(sortValue(a, sort), sortValue(b, sort)) || cmp(a.id, b.id))
          .map((k) => k.id)
          [order === "asc" ? "slice" : "reverse"]();

      const walk = async (q: TKeyListQuery, hidden: readonly TServiceCode[] = []) => {
        const ids: string[] = [];
        let cursor: string | undefined;
        let totals = new Set<number>();
        for (let pages = 0; pages < 100; pages++) {
          const page = await store.listKeys(
            project.id,
            list({ ...q, ...(cursor ? { cursor } : {}) }),
            hidden,
          );
          ids.push(...page.items.map((k) => k.id));
          totals = totals.add(page.total);
          cursor = page.nextCursor ?? undefined;
          if (!cursor) break;
        }
        return { ids, totals: [...totals] };
      };

      for (const sort of ["createdAt", "alias", "state", "spec", "lastUsedAt"] as const) {
        for (const order of ["asc", "desc"] as const) {
          it(`visits every key exactly once, in order, sorted by ${sort} ${order}`, async () => {
            const { ids, totals } = await walk({ sort, order, limit: 17 });
            expect(ids).toEqual(expected(all, sort, order));
            expect(totals).toEqual([all.length]);
          });
        }
      }

      it("filters by state, spec and kind, and pages the filtered set", async () => {
        const match = (k: TKey) =>
          ["disabled", "pending_deletion"].includes(k.state) && k.spec !== "HMAC_256";
        const { ids, totals } = await walk({
          states: ["disabled", "pending_deletion"],
          specs: ["AES_256", "RSA_2048"],
          sort: "alias",
          order: "asc",
          limit: 7,
        });
        expect(ids).toEqual(expected(all.filter(match), "alias", "asc"));
        expect(totals).toEqual([all.filter(match).length]);

        const defaults = await walk({ kind: "default", limit: 2 });
        expect(defaults.ids).toEqual(
          expected(
            all.filter((k) => k.isDefault),
            "createdAt",
            "desc",
          ),
        );
        const custom = await walk({ kind: "custom", limit: 50 });
        expect(custom.ids).toHaveLength(120);
      });

      it("leaves out the default keys of hidden services unless asked", async () => {
        const visible = await walk({ includeHidden: false, limit: 1000 }, HIDDEN_SERVICES);
        expect(visible.ids).toHaveLength(121);
        const obs = all.find((k) => k.service === "obs")!;
        expect(visible.ids).toContain(obs.id);
        expect((await walk({ includeHidden: true, limit: 1000 }, HIDDEN_SERVICES)).ids).toHaveLength(123);
      });

      it("searches by case-sensitive prefix of alias or ID", async () => {
        const app = await walk({ search: "app-", sort: "alias", order: "asc", limit: 9 });
        expect(app.ids).toEqual(
          expected(
            all.filter((k) => k.alias.startsWith("app-")),
            "alias",
            "asc",
          ),
        );
        expect(app.totals).toEqual([40]);
        expect((await walk({ search: "web-" })).ids).toEqual([]);
        expect((await walk({ search: "Web-01" })).ids).toHaveLength(3);
        const target = all[42]!;
        expect((await walk({ search: target.id.slice(0, 13) })).ids).toContain(target.id);
        expect((await walk({ search: target.id })).ids).toEqual([target.id]);
        expect((await walk({ search: "obs/" })).ids).toEqual([all.find((k) => k.service === "obs")!.id]);
      });

      it("merges alias and ID prefix matches in order, by cursor and by offset", async () => {
        // "a" matches the "app-" aliases and the IDs starting with "a" ("d": "db-" and IDs), some keys
        // both ways; the letter is picked so that some match by ID only (random IDs: 1 in ~40,000 fails).
        const matching = (p: string) => all.filter((k) => k.alias.startsWith(p) || k.id.startsWith(p));
        const search = ["a", "d"].find((p) => matching(p).some((k) => !k.alias.startsWith(p)))!;
        const matches = matching(search);
        expect(matches.some((k) => !k.alias.startsWith(search))).toBe(true);
        for (const [sort, order] of [
          ["createdAt", "desc"],
          ["alias", "asc"],
          ["lastUsedAt", "desc"],
          ["state", "asc"],
        ] as const) {
          const { ids, totals } = await walk({ search, sort, order, limit: 6 });
          expect(ids, `${sort} ${order}`).toEqual(expected(matches, sort, order));
          expect(totals).toEqual([matches.length]);
          const byOffset = await store.listKeys(
            project.id,
            list({ search, sort, order, offset: 7, limit: 5 }),
            [],
          );
          expect(byOffset.items.map((k) => k.id)).toEqual(expected(matches, sort, order).slice(7, 12));
        }
      });

      it("pages by offset when no cursor is given", async () => {
        const page = await store.listKeys(
          project.id,
          list({ sort: "alias", order: "asc", offset: 10, limit: 5 }),
          [],
        );
        expect(page.items.map((k) => k.id)).toEqual(expected(all, "alias", "asc").slice(10, 15));
        expect(page.total).toBe(all.length);
        const next = await store.listKeys(
          project.id,
          list({ sort: "alias", order: "asc", cursor: page.nextCursor!, limit: 5 }),
          [],
        );
        expect(next.items.map((k) => k.id)).toEqual(expected(all, "alias", "asc").slice(15, 20));
      });

      it("refuses a cursor made for another sort or not made by the store", async () => {
        const page = await store.listKeys(project.id, list({ sort: "alias", limit: 5 }), []);
        await expect(
          store.listKeys(project.id, list({ sort: "createdAt", cursor: page.nextCursor!, limit: 5 }), []),
        ).rejects.toThrow();
        await expect(store.listKeys(project.id, list({ cursor: "garbage" }), [])).rejects.toThrow();
      });

      it("keeps other projects' keys out", async () => {
        const other = await newProject();
        await newKey(other);
        expect((await store.listKeys(other.id, list({}), [])).total).toBe(1);
      });
    });
  });
}

export function usage(project: TProject, keyId: string, hour: Date, count: number): TUsageCount {
  return {
    projectId: project.id,
    domainId: project.domainId,
    keyId,
    principalId: "p1",
    operation: "encrypt-data",
    hour,
    count,
  };
}

export function audit(project: TProject, overrides: Partial<TAuditEvent> = {}): TAuditEvent {
  return {
    id: randomUUID(),
    time: at(0),
    projectId: project.id,
    principalId: "p1",
    principalName: "alice",
    operation: "disable-key",
    keyId: null,
    result: "success",
    errorCode: null,
    details: {},
    ...overrides,
  };
}
