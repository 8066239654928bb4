import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSdkDate } from "./auth/sdk-hmac.js";
import { type ApiHarness, startHarness } from "./testing/harness.js";
import { signRequest } from "./testing/signed-client.js";

let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness({ bodyLimit: 16 * 1024 });
});
afterAll(() => h.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sends a signed request with an arbitrary raw body (bad JSON, huge bodies, …). */
async function rawSigned(method: string, op: string, body: string | undefined, contentType?: string) {
  const url = `${h.endpoint}/v1.0/${h.projectId}/kms/${op}`;
  const { users } = h.t.provisioned;
  const headers = signRequest({
    method,
    url,
    ak: users.admin.ak,
    sk: users.admin.sk,
    projectId: h.projectId,
    body,
    date: h.t.clock.now(),
    headers: contentType ? { "content-type": contentType } : {},
  });
  delete headers.host;
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

function expectError(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ error: { error_code: code }, error_code: code });
}

describe("route table", () => {
  const POST_OPS = [
    "create-key",
    "describe-key",
    "list-keys",
    "enable-key",
    "disable-key",
    "schedule-key-deletion",
    "cancel-key-deletion",
    "update-key-alias",
    "update-key-description",
    "encrypt-data",
    "decrypt-data",
    "create-datakey",
    "create-datakey-without-plaintext",
    "encrypt-datakey",
    "decrypt-datakey",
    "gen-random",
    "sign",
    "verify",
    "get-publickey",
    "generate-mac",
    "verify-mac",
    "get-key-rotation-status",
    "enable-key-rotation",
    "disable-key-rotation",
    "update-key-rotation-interval",
    "rotate-on-demand",
    "create-grant",
    "list-grants",
    "list-retirable-grants",
    "revoke-grant",
    "retire-grant",
    "resource_instances/action",
    "k/tags",
    "k/tags/action",
  ];
  const OTHER: Array<[string, string]> = [
    ["GET", "k/tags"],
    ["DELETE", "k/tags/env"],
    ["GET", "tags"],
    ["GET", "user-instances"],
    ["GET", "user-quotas"],
  ];

  it("serves every Huawei path with its method, behind the signature check", async () => {
    const all: Array<[string, string]> = [...POST_OPS.map((op): [string, string] => ["POST", op]), ...OTHER];
    for (const [method, op] of all) {
      const res = await fetch(`${h.endpoint}/v1.0/${h.projectId}/kms/${op}`, { method });
      expect({ method, op, status: res.status }).toEqual({ method, op, status: 401 });
    }
  });
});

describe("transport and errors", () => {
  it("answers GET / with the version list and GET /v1.0 with the version, unauthenticated", async () => {
    const root = await fetch(`${h.endpoint}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ versions: [{ id: "v1.0", status: "CURRENT" }] });
    const v1 = await fetch(`${h.endpoint}/v1.0`);
    expect(await v1.json()).toMatchObject({ version: { id: "v1.0" } });
  });

  it("answers the no-op probe with 204 and /health with ok", async () => {
    const noop = await fetch(`${h.endpoint}/v1.0/noop`);
    expect(noop.status).toBe(204);
    expect(noop.headers.get("x-request-id")).toMatch(UUID);
    expect(await (await fetch(`${h.endpoint}/health`)).json()).toEqual({ status: "ok" });
  });

  it("puts a fresh X-Request-Id on every response, errors included", async () => {
    const ok = await h.admin.call("list-keys", {});
    const bad = await h.admin.call("describe-key", {});
    const unknown = await fetch(`${h.endpoint}/nope`);
    const ids = [ok, bad].map((r) => r.headers.get("x-request-id"));
    ids.push(unknown.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it("when the path is unknown, then 400 KMS.0201", async () => {
    const res = await fetch(`${h.endpoint}/v1.0/${h.projectId}/kms/no-such-op`, { method: "POST" });
    expectError({ status: res.status, body: await res.json() }, 400, "KMS.0201");
  });

  it("when the method is wrong for a known path, then 405 KMS.0215", async () => {
    const res = await fetch(`${h.endpoint}/v1.0/${h.projectId}/kms/create-key`);
    expectError({ status: res.status, body: await res.json() }, 405, "KMS.0215");
    const put = await fetch(`${h.endpoint}/v1.0/${h.projectId}/kms/user-quotas`, { method: "PUT" });
    expectError({ status: put.status, body: await put.json() }, 405, "KMS.0215");
  });

  it("when the request is unsigned, then 401 APIGW.0301 in the Huawei error shape", async () => {
    const res = await fetch(`${h.endpoint}/v1.0/${h.projectId}/kms/list-keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const body = (await res.json()) as { error_msg: string };
    expectError({ status: res.status, body }, 401, "APIGW.0301");
    expect(body.error_msg).toMatch(/Authorization header is missing/);
  });

  it("when the JSON is malformed, then 400 KMS.0202", async () => {
    expectError(await rawSigned("POST", "list-keys", '{"limit": "1",'), 400, "KMS.0202");
    expectError(await rawSigned("POST", "list-keys", "[]"), 400, "KMS.0202");
    expectError(await rawSigned("POST", "list-keys", "null"), 400, "KMS.0202");
  });

  it("when the body is over the cap, then 400 KMS.0203", async () => {
    const big = JSON.stringify({ key_id: "x", plain_text: "a".repeat(20_000) });
    expectError(await rawSigned("POST", "encrypt-data", big), 400, "KMS.0203");
  });

  it("accepts application/json with a charset, and an empty body on GET with a JSON content type", async () => {
    const withCharset = await rawSigned("POST", "list-keys", "{}", "application/json;charset=UTF-8");
    expect(withCharset.status).toBe(200);
    const get = await rawSigned("GET", "user-instances", undefined);
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ instance_num: 0 });
  });

  it("when a body has an unknown field or a wrong type, then 400 KMS.0308", async () => {
    expectError(await h.admin.call("list-keys", { colour: "blue" }), 400, "KMS.0308");
    expectError(await h.admin.call("create-key", { key_alias: "a", key_spec: 5 }), 400, "KMS.0308");
    expectError(await h.admin.call("gen-random", { random_data_length: "abc" }), 400, "KMS.0308");
  });

  it("maps missing and invalid fields to their documented codes", async () => {
    const keyId = "0d0466b0-e727-4d9c-b35d-f84bb474a37f";
    expectError(await h.admin.call("describe-key", {}), 400, "KMS.0204");
    expectError(await h.admin.call("describe-key", { key_id: "not-a-key" }), 400, "KMS.0205");
    expectError(await h.admin.call("describe-key", { key_id: 7 }), 400, "KMS.0205");
    expectError(await h.admin.call("create-key", { key_alias: "bad alias!" }), 400, "KMS.1101");
    expectError(await h.admin.call("create-key", { key_alias: "x/default" }), 400, "KMS.1101");
    for (const alias of ["obs/DEFAULT", "obs/default/", "obs/default:", "OBS/Default"]) {
      expectError(await h.admin.call("create-key", { key_alias: alias }), 400, "KMS.1104");
    }
    const mine = await h.admin.call<{ key_info: { key_id: string } }>("create-key", {
      key_alias: "look-alike",
    });
    expectError(
      await h.admin.call("update-key-alias", { key_id: mine.body.key_info.key_id, key_alias: "OBS/Default" }),
      400,
      "KMS.1104",
    );
    expectError(
      await h.admin.call("create-key", { key_alias: "ok", key_description: "d".repeat(256) }),
      400,
      "KMS.1103",
    );
    expectError(
      await h.admin.call("schedule-key-deletion", { key_id: keyId, pending_days: "3" }),
      400,
      "KMS.1401",
    );
    expectError(await h.admin.call("list-keys", { limit: "0" }), 400, "KMS.1601");
    expectError(await h.admin.call("list-keys", { marker: "-1" }), 400, "KMS.1602");
    expectError(
      await h.admin.call("update-key-rotation-interval", { key_id: keyId, rotation_interval: 29 }),
      400,
      "KMS.3001",
    );
    expectError(
      await h.admin.call("describe-key", { key_id: keyId, sequence: "s".repeat(37) }),
      400,
      "KMS.0206",
    );
    expectError(await h.admin.call("gen-random", { random_data_length: "12" }), 400, "KMS.1802");
    expectError(await h.admin.call("gen-random", { random_data_length: 16384 }), 400, "KMS.1801");
  });

  it("accepts the optional fields the SDKs send", async () => {
    const res = await h.admin.call("create-key", {
      key_alias: "sdk-fields",
      key_spec: "AES_256",
      key_usage: "ENCRYPT_DECRYPT",
      origin: "kms",
      enterprise_project_id: "0",
      keystore_id: "0",
      sequence: "919c82d4-8046-4722-9094-35c3c6524cff",
    });
    expect(res.status).toBe(200);
  });

  it("when the signing date is garbled, then 401 with a clear detail", async () => {
    const url = `${h.endpoint}/v1.0/${h.projectId}/kms/list-keys`;
    const { users } = h.t.provisioned;
    const headers = signRequest({ method: "POST", url, ak: users.admin.ak, sk: users.admin.sk, body: "{}" });
    delete headers.host;
    headers["x-sdk-date"] = formatSdkDate(h.t.clock.now()).replace("T", "X");
    const res = await fetch(url, { method: "POST", headers, body: "{}" });
    const body = (await res.json()) as { error_msg: string };
    expectError({ status: res.status, body }, 401, "APIGW.0301");
    expect(body.error_msg).toMatch(/X-Sdk-Date/);
  });
});
