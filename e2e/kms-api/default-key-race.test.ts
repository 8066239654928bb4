import { describe, expect, it } from "vitest";
import { type KmsResponse, kmsCall } from "./support/client.js";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "./support/postgres.js";
import { type ServeHandle, startServe } from "./support/server.js";
import { allKeys, openTargetStore, type StoreTarget } from "./support/store.js";
import { cleanupAfterAll, tempDir } from "./support/temp.js";

/**
 * Must show 1: 200 concurrent first uses of obs/default by the OBS principal create exactly one key
 * and every call succeeds, on SQLite and on PostgreSQL, also with two server processes on one database.
 */

const pg = await postgresAvailable();

interface Backend {
  name: "sqlite" | "postgres";
  /** A fresh data dir (and database) for one test; cleanup() removes both. */
  setup(): Promise<{ dataDir: string; databaseUrl?: string; target: StoreTarget; cleanup(): Promise<void> }>;
}

const sqlite: Backend = {
  name: "sqlite",
  async setup() {
    const dir = await tempDir("race-sqlite");
    return { dataDir: dir.path, target: { kind: "sqlite", dataDir: dir.path }, cleanup: dir.remove };
  },
};

const postgres: Backend = {
  name: "postgres",
  async setup() {
    const dir = await tempDir("race-pg");
    let db: TestDatabase;
    try {
      db = await createTestDatabase("kms_e2e");
    } catch (e) {
      await dir.remove();
      throw e;
    }
    return {
      dataDir: dir.path,
      databaseUrl: db.url,
      target: { kind: "postgres", url: db.url },
      async cleanup() {
        await db.drop();
        await dir.remove();
      },
    };
  },
};

const defer = cleanupAfterAll();

/** Starts one server per entry of `processes` on a fresh backend; the first bootstraps the data dir. */
async function startCluster(backend: Backend, processes: number) {
  const env = await backend.setup();
  const servers: ServeHandle[] = [];
  defer(async () => {
    for (const s of servers) await s.stop();
    await env.cleanup();
  });
  const serveOptions = { dataDir: env.dataDir, ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}) };
  // The first process creates root.key, the database and credentials.json; the others reuse them.
  servers.push(await startServe(serveOptions));
  for (let i = 1; i < processes; i++) servers.push(await startServe(serveOptions));
  return { env, servers };
}

/** `perServer` concurrent first uses of obs/default against every server at once. */
async function raceDefaultKey(servers: ServeHandle[], perServer: number): Promise<KmsResponse[]> {
  const calls: Array<Promise<KmsResponse>> = [];
  for (const server of servers) {
    const obs = server.credentials.services.obs;
    if (!obs) throw new Error("credentials.json has no obs service principal");
    for (let i = 0; i < perServer; i++) {
      calls.push(kmsCall(server, obs, "create-datakey", { key_id: "obs/default", datakey_length: "256" }));
    }
  }
  return Promise.all(calls);
}

async function expectExactlyOneDefaultKey(
  servers: ServeHandle[],
  target: StoreTarget,
  responses: KmsResponse[],
  expectedCalls: number,
) {
  const failures = responses.filter((r) => r.status !== 200);
  expect(failures.map((r) => `${r.status} ${r.text}`)).toEqual([]);
  expect(responses).toHaveLength(expectedCalls);
  const keyIds = new Set(responses.map((r) => r.json.key_id as string));
  expect(keyIds.size).toBe(1);
  const [keyId] = [...keyIds];
  for (const r of responses) {
    expect(r.json.plain_text).toMatch(/^[0-9a-fA-F]{64}$/);
    expect(typeof r.json.cipher_text).toBe("string");
  }

  // Through the API, from every process: list-keys with key_spec ALL shows one obs/default.
  for (const server of servers) {
    const list = await kmsCall(server, server.credentials.users.admin, "list-keys", {
      key_spec: "ALL",
      limit: "1000",
    });
    expect(list.status, list.text).toBe(200);
    const details = list.json.key_details as Array<Record<string, string>>;
    const obsKeys = details.filter((k) => k.key_alias === "obs/default");
    expect(obsKeys).toHaveLength(1);
    expect(obsKeys[0]?.key_id).toBe(keyId);
    expect(obsKeys[0]?.default_key_flag).toBe("1");
    expect(details.filter((k) => k.default_key_flag === "1")).toHaveLength(1);
  }

  // Through the store: one default key for obs, one key in the project at all, and its version row.
  const store = await openTargetStore(target);
  try {
    const projectId = servers[0]!.credentials.projectId;
    const keys = await allKeys(store, projectId);
    expect(keys.map((k) => [k.alias, k.isDefault, k.service])).toEqual([["obs/default", true, "obs"]]);
    expect(keys[0]?.id).toBe(keyId);
    expect((await store.getDefaultKey(projectId, "obs"))?.id).toBe(keyId);
    expect(await store.listKeyVersions(keyId!)).toHaveLength(1);
    // Every acknowledged create-datakey is metered on that key.
    expect(await store.sumUsage({ projectId, keyId: keyId! })).toBeGreaterThanOrEqual(expectedCalls);
  } finally {
    await store.close();
  }
}

const backends: Array<{ backend: Backend; skip: boolean }> = [
  { backend: sqlite, skip: false },
  { backend: postgres, skip: !pg.ok },
];

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`obs/default on ${backend.name}`, () => {
    it("when 200 first uses by the OBS principal race on one server, then all succeed and exactly one key exists", async () => {
      const { env, servers } = await startCluster(backend, 1);
      const responses = await raceDefaultKey(servers, 200);
      await expectExactlyOneDefaultKey(servers, env.target, responses, 200);
    });

    it("when two server processes share the database and get 100 first uses each, then exactly one key exists", async () => {
      const { env, servers } = await startCluster(backend, 2);
      expect(servers[0]!.credentials.projectId).toBe(servers[1]!.credentials.projectId);
      const responses = await raceDefaultKey(servers, 100);
      await expectExactlyOneDefaultKey(servers, env.target, responses, 200);
    });

    it("when the admin passes evs/default before EVS ever used it, then 404 KMS.0207 and no key is created", async () => {
      const { env, servers } = await startCluster(backend, 1);
      const server = servers[0]!;
      const admin = server.credentials.users.admin;
      for (const [op, body] of [
        ["describe-key", { key_id: "evs/default" }],
        ["encrypt-data", { key_id: "evs/default", plain_text: "hello" }],
        ["create-datakey", { key_id: "evs/default", datakey_length: "256" }],
      ] as const) {
        const res = await kmsCall(server, admin, op, body);
        expect(res.status, `${op}: ${res.text}`).toBe(404);
        expect(res.json.error.error_code).toBe("KMS.0207");
        expect(res.headers["x-request-id"]).toBeTruthy();
      }
      // Another service's principal may not create EVS's default key either.
      const obsTry = await kmsCall(server, server.credentials.services.obs!, "encrypt-data", {
        key_id: "evs/default",
        plain_text: "hello",
      });
      expect(obsTry.status, obsTry.text).toBe(404);
      expect(obsTry.json.error.error_code).toBe("KMS.0207");

      const list = await kmsCall(server, admin, "list-keys", { key_spec: "ALL" });
      expect(list.status, list.text).toBe(200);
      expect(list.json.key_details).toEqual([]);
      const store = await openTargetStore(env.target);
      try {
        expect(await store.getDefaultKey(server.credentials.projectId, "evs")).toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });
}
