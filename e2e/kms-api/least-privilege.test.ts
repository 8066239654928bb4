/**
 * Least privilege for grantees and services. Grants cannot escalate, tried over HTTP against `kms serve` on SQLite and on PostgreSQL: a
 * grantee given "encrypt only" (with create-grant) cannot pass on any operation it does not hold,
 * and revoking or retiring its grant takes every grant derived from it at once. A service
 * principal's listings show its own default key and the keys it holds a grant on, nothing else.
 */
import { describe, expect, it } from "vitest";
import { expectStatus, kmsCall } from "./support/client.js";
import { createTestDatabase, postgresAvailable } from "./support/postgres.js";
import { type ServeHandle, startServe } from "./support/server.js";
import type { AccessKeyPair } from "./support/sign.js";
import { cleanupAfterAll, tempDir } from "./support/temp.js";

const pg = await postgresAvailable();
const defer = cleanupAfterAll();

type Principal = AccessKeyPair & { principalId: string };

async function serve(databaseUrl?: string): Promise<ServeHandle> {
  const dir = await tempDir("grant-chain");
  const server = await startServe({ dataDir: dir.path, ...(databaseUrl ? { databaseUrl } : {}) });
  defer(async () => {
    await server.stop();
    await dir.remove();
  });
  return server;
}

function scenario(start: () => Promise<ServeHandle>) {
  return async () => {
    const server = await start();
    const { admin, viewer } = server.credentials.users;
    const obs = server.credentials.services.obs!;
    const evs = server.credentials.services.evs!;
    const call = (who: AccessKeyPair, op: string, body?: unknown) => kmsCall(server, who, op, body);
    const keyId = expectStatus(await call(admin, "create-key", { key_alias: "shared" }), 200).json.key_info
      .key_id as string;
    const grant = (who: AccessKeyPair, grantee: Principal, operations: string[], name = "g") =>
      call(who, "create-grant", { key_id: keyId, grantee_principal: grantee.principalId, operations, name });
    const encrypt = (who: AccessKeyPair) =>
      call(who, "encrypt-data", { key_id: keyId, plain_text: "secret" });

    const parent = expectStatus(await grant(admin, viewer, ["encrypt-data", "create-grant"]), 200).json
      .grant_id as string;
    const { cipher_text } = expectStatus(await encrypt(viewer), 200).json;

    // Every escalation, to another service, to itself or to another user, is refused.
    for (const [grantee, operations] of [
      [obs, ["decrypt-data"]],
      [obs, ["encrypt-data", "decrypt-data"]],
      [viewer, ["decrypt-data"]],
      [viewer, ["create-datakey"]],
      [admin, ["describe-key"]],
      [evs, ["retire-grant", "encrypt-data"]],
    ] as const) {
      const res = await grant(viewer, grantee, [...operations]);
      expect({ status: res.status, code: res.json?.error_code }, `${operations}`).toEqual({
        status: 403,
        code: "KMS.0306",
      });
    }
    expect((await call(obs, "decrypt-data", { cipher_text })).status).toBe(403);

    // What the grantee holds it may pass on, down a chain.
    const child = expectStatus(await grant(viewer, obs, ["encrypt-data", "create-grant"]), 200).json
      .grant_id as string;
    expect(expectStatus(await grant(obs, evs, ["encrypt-data"]), 200).json.grant_id).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expectStatus(await encrypt(obs), 200);
    expectStatus(await encrypt(evs), 200);

    // Revoking the parent: every derived grant's operations fail on the very next call.
    expectStatus(await call(admin, "revoke-grant", { key_id: keyId, grant_id: parent }), 200);
    for (const who of [viewer, obs, evs]) expect((await encrypt(who)).status).toBe(403);
    expect(expectStatus(await call(admin, "list-grants", { key_id: keyId }), 200).json.total).toBe(0);
    expect((await grant(obs, evs, ["encrypt-data"])).status).toBe(403);
    expect((await call(admin, "revoke-grant", { key_id: keyId, grant_id: child })).json?.error_code).toBe(
      "KMS.2501",
    );

    // Retiring by the grantee cascades the same way.
    const again = expectStatus(await grant(admin, viewer, ["encrypt-data", "create-grant"], "again"), 200)
      .json.grant_id as string;
    expectStatus(await grant(viewer, obs, ["encrypt-data"]), 200);
    expectStatus(await encrypt(obs), 200);
    expectStatus(await call(viewer, "retire-grant", { key_id: keyId, grant_id: again }), 200);
    expect((await encrypt(obs)).status).toBe(403);
    expect(expectStatus(await call(admin, "list-grants", { key_id: keyId }), 200).json.total).toBe(0);
  };
}

/** What a service principal's three listings show: key IDs and tags. */
function listingsScenario(start: () => Promise<ServeHandle>) {
  return async () => {
    const server = await start();
    const { admin } = server.credentials.users;
    const obs = server.credentials.services.obs!;
    const call = (who: AccessKeyPair, op: string, body?: unknown) => kmsCall(server, who, op, body);
    const custom = async (alias: string, tag: string) => {
      const id = expectStatus(await call(admin, "create-key", { key_alias: alias }), 200).json.key_info
        .key_id as string;
      expectStatus(await call(admin, `${id}/tags`, { tag: { key: tag, value: "v" } }), 204);
      return id;
    };
    const secret = await custom("payroll", "secret-project");
    const shared = await custom("shared-with-obs", "obs-visible");
    const ownDefault = expectStatus(
      await call(obs, "encrypt-data", { key_id: "obs/default", plain_text: "x" }),
      200,
    ).json.key_id as string;
    expectStatus(
      await call(server.credentials.services.evs!, "encrypt-data", {
        key_id: "evs/default",
        plain_text: "x",
      }),
      200,
    );

    const seen = async () => {
      const keys = expectStatus(await call(obs, "list-keys", { key_spec: "ALL", limit: "1000" }), 200).json;
      const byTags = expectStatus(
        await call(obs, "resource_instances/action", { action: "filter", tags: [] }),
        200,
      ).json;
      const count = expectStatus(
        await call(obs, "resource_instances/action", { action: "count", tags: [] }),
        200,
      ).json;
      const tags = expectStatus(await call(obs, "tags"), 200).json;
      return {
        keys: [...keys.keys].sort(),
        total: keys.total,
        byTags: byTags.resources.map((r: { resource_id: string }) => r.resource_id).sort(),
        count: count.total_count,
        tags: tags.tags.map((t: { key: string }) => t.key).sort(),
      };
    };
    expect(await seen()).toEqual({ keys: [ownDefault], total: 1, byTags: [ownDefault], count: 1, tags: [] });
    // The admin still sees everything.
    expect(expectStatus(await call(admin, "list-keys", { key_spec: "ALL" }), 200).json.keys).toEqual(
      expect.arrayContaining([secret, shared, ownDefault]),
    );

    const grant = expectStatus(
      await call(admin, "create-grant", {
        key_id: shared,
        grantee_principal: obs.principalId,
        operations: ["encrypt-data"],
        name: "obs",
      }),
      200,
    ).json.grant_id as string;
    const both = [ownDefault, shared].sort();
    expect(await seen()).toEqual({ keys: both, total: 2, byTags: both, count: 2, tags: ["obs-visible"] });

    expectStatus(await call(admin, "revoke-grant", { key_id: shared, grant_id: grant }), 200);
    expect((await seen()).keys).toEqual([ownDefault]);
  };
}

describe("a service principal's listings", () => {
  it(
    "on SQLite",
    listingsScenario(() => serve()),
    60_000,
  );
  it.skipIf(!pg.ok)(
    "on PostgreSQL",
    listingsScenario(async () => {
      const db = await createTestDatabase("kms_e2e");
      defer(() => db.drop());
      return serve(db.url);
    }),
    60_000,
  );
});

describe("grants cannot escalate", () => {
  it(
    "on SQLite",
    scenario(() => serve()),
    60_000,
  );
  it.skipIf(!pg.ok)(
    "on PostgreSQL",
    scenario(async () => {
      const db = await createTestDatabase("kms_e2e");
      defer(() => db.drop());
      return serve(db.url);
    }),
    60_000,
  );
});
