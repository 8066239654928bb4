import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ROUTES } from "./app.js";
import { type ApiHarness, startHarness } from "./testing/harness.js";
import { signRequest } from "./testing/signed-client.js";
import { KEY_STATE_CODES } from "./wire/responses.js";

/**
 * Property: whatever an authenticated caller sends to whichever endpoint, the answer is 2xx or a
 * documented 4xx in the Huawei shape, never a 5xx, and the server keeps serving.
 */
let h: ApiHarness;
let keys: Record<string, string>;
beforeAll(async () => {
  h = await startHarness();
  keys = {};
  for (const [alias, spec] of [
    ["fz-aes", "AES_256"],
    ["fz-rsa", "RSA_2048"],
    ["fz-ec", "EC_P256"],
    ["fz-mac", "HMAC_256"],
  ] as const) {
    const r = await h.admin.call<{ key_info: { key_id: string } }>("create-key", {
      key_alias: alias,
      key_spec: spec,
    });
    keys[alias] = r.body.key_info.key_id;
  }
});
afterAll(() => h.close());

const FIELDS = [
  "key_id",
  "key_alias",
  "key_spec",
  "key_usage",
  "key_description",
  "plain_text",
  "cipher_text",
  "additional_authenticated_data",
  "datakey_length",
  "datakey_plain_length",
  "datakey_cipher_length",
  "random_data_length",
  "pending_days",
  "limit",
  "marker",
  "key_state",
  "rotation_interval",
  "message",
  "signature",
  "signing_algorithm",
  "message_type",
  "mac",
  "mac_algorithm",
  "tag",
  "tags",
  "action",
  "grant_id",
  "grantee_principal",
  "operations",
  "name",
  "sequence",
  "encryption_algorithm",
  "offset",
];

const scalar = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "7",
    "-1",
    "256",
    "4096",
    "1e3",
    "ALL",
    "AES_256",
    "RSA_2048",
    "HMAC_SHA_256",
    "RAW",
  ),
  fc.constantFrom("obs/default", "0d0466b0-e727-4d9c-b35d-f84bb474a37f", "00".repeat(40), "aGVsbG8=", "%%%"),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.constantFrom("key", "value", "values", "x"), scalar, { maxKeys: 3 }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const body = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

const target = fc.record({
  route: fc.constantFrom(...ALL_ROUTES),
  keyAlias: fc.constantFrom("fz-aes", "fz-rsa", "fz-ec", "fz-mac", "bogus"),
  withKey: fc.boolean(),
  tagKey: fc.string({ minLength: 1, maxLength: 10 }),
});

describe("bad input", () => {
  it("never answers 5xx to 10,000 generated requests across the endpoints", async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(target, body, async (t, rawBody) => {
        const keyId = keys[t.keyAlias] ?? "bogus";
        const path = t.route.path.replace(":key_id", keyId).replace(":key", encodeURIComponent(t.tagKey));
        let payload = rawBody;
        if (t.withKey && payload.startsWith("{") && payload !== "{}") {
          payload = `{"key_id":${JSON.stringify(keyId)},${payload.slice(1)}`;
        }
        const url = `/v1.0/${h.projectId}/kms/${path}`;
        const headers = signRequest({
          method: t.route.method,
          url: `${h.endpoint}${url}`,
          ak: h.t.provisioned.users.admin.ak,
          sk: h.t.provisioned.users.admin.sk,
          projectId: h.projectId,
          body: t.route.method === "GET" ? undefined : payload,
          date: h.t.clock.now(),
        });
        const res = await h.app.inject({
          method: t.route.method,
          url,
          headers,
          payload: t.route.method === "GET" ? undefined : payload,
        });
        sent++;
        expect(res.statusCode, `${t.route.method} ${path} ${payload} → ${res.body}`).toBeLessThan(500);
        expect(res.headers["x-request-id"]).toBeTruthy();
        if (res.statusCode >= 400) {
          const err = res.json();
          expect(err.error.error_code).toMatch(/^(KMS|APIGW)\.\d{4}$/);
          expect(err.error_code).toBe(err.error.error_code);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // Still serving, and nothing half-written: the keys made before are intact and usable. A
    // generated request may have disabled the key or scheduled its deletion, with a valid body such
    // as {"key_id": …, "sequence": "x"}: bring it back first.
    const aes = keys["fz-aes"]!;
    const stateOf = async () => {
      const r = await h.admin.call<{ key_info: { key_state: string } }>("describe-key", { key_id: aes });
      expect(r.status).toBe(200);
      return r.body.key_info.key_state;
    };
    if ((await stateOf()) === KEY_STATE_CODES.pending_deletion) {
      expect((await h.admin.call("cancel-key-deletion", { key_id: aes })).status).toBe(200);
    }
    if ((await stateOf()) === KEY_STATE_CODES.disabled) {
      expect((await h.admin.call("enable-key", { key_id: aes })).status).toBe(200);
    }
    expect(await stateOf()).toBe(KEY_STATE_CODES.enabled);
    const enc = await h.admin.call("encrypt-data", { key_id: aes, plain_text: "still alive" });
    expect(enc.status).toBe(200);
  }, 300_000);
});
