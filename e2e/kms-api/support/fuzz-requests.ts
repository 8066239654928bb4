import fc from "fast-check";

/** One generated HTTP request; `{pid}` in the path becomes the project ID when it is sent. */
export interface FuzzRequest {
  method: string;
  path: string;
  /** A JSON value to serialise, or raw text sent as is (malformed JSON, oversize bodies). */
  body?: { json: unknown } | { raw: string };
  contentType?: string;
  auth: "admin" | "viewer" | "obs" | "evs" | "none" | "bad-signature" | "stale" | "unknown-ak" | "garbage";
}

/** What the fuzzer knows about the seeded project, to aim some requests at real keys. */
export interface FuzzSeeds {
  keyIds: string[];
  cipherTexts: string[];
  dataKeyCipherTexts: string[];
  otherProjectId: string;
}

const DEFAULT_ALIASES = [
  "obs/default",
  "evs/default",
  "kps/default",
  "cce/default",
  "nope/default",
  "/default",
];
const OPS = [
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
] as const;

/** Values of the wrong type or out of any range, for any field. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "-1",
    "0",
    "1e400",
    "NaN",
    "9".repeat(400),
    "\u0000",
    "../../etc/passwd",
    "<script>",
  ),
);

/** Occasionally a field far over any limit. */
const huge: fc.Arbitrary<unknown> = fc.constant("x".repeat(70_000));

const field = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 120, arbitrary: valid },
    { weight: 10, arbitrary: hostile },
    { weight: 1, arbitrary: huge },
  );

const numericString = (lo: number, hi: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: lo, max: hi }).map(String) },
    { weight: 1, arbitrary: fc.integer({ min: -10_000, max: 100_000 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom("007", "8.5", " 8", "1e3", "0x10") },
  );

/** Bit lengths: mostly multiples of 8 in range, sometimes not. */
const bitLength = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 1024 }).map((n) => String(n * 8)) },
  { weight: 1, arbitrary: numericString(8, 8192) },
);

const base64 = (maxBytes: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: 0, maxLength: maxBytes }).map((b) => Buffer.from(b).toString("base64"));

const hex = (maxBytes: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: 0, maxLength: maxBytes }).map((b) => Buffer.from(b).toString("hex"));

const badEncoding = fc.constantFrom("!!!!", "abc", "zz", "%%%", "YWJj===", "-_-_", "\u00e9\u00e9");

export function fuzzRequests(seeds: FuzzSeeds): fc.Arbitrary<FuzzRequest> {
  const keyRef = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...seeds.keyIds) },
    { weight: 2, arbitrary: fc.constantFrom(...DEFAULT_ALIASES) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
  const cipherText = fc.oneof(
    fc.constantFrom(...seeds.cipherTexts),
    base64(300),
    badEncoding,
    fc.constantFrom(...seeds.cipherTexts).map((c) => `${c.slice(0, 40)}A${c.slice(41)}`),
  );
  const dataKeyCipher = fc.oneof(fc.constantFrom(...seeds.dataKeyCipherTexts), hex(200), badEncoding);
  const alias = fc.oneof(
    fc.stringMatching(/^[a-zA-Z0-9:/_-]{1,40}$/),
    fc.constantFrom(...DEFAULT_ALIASES, "a".repeat(256), "has space", "x/default"),
  );
  const keySpec = fc.constantFrom(
    "AES_256",
    "AES_256",
    "AES_256",
    "HMAC_256",
    "HMAC_512",
    "EC_P256",
    "EC_P384",
    "RSA_2048",
    "SM4",
    "AES_128",
    "ALL",
    "DES",
  );
  const common = {
    key_id: field(keyRef),
    sequence: field(fc.uuid()),
  };
  const bodies: Record<(typeof OPS)[number], fc.Arbitrary<Record<string, unknown>>> = {
    "create-key": fc.record({
      key_alias: field(alias),
      key_spec: field(keySpec),
      key_usage: field(fc.constantFrom("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "X")),
      key_description: field(fc.string({ maxLength: 300 })),
      origin: field(fc.constantFrom("kms", "external", "cloud")),
      sequence: common.sequence,
    }),
    "describe-key": fc.record(common),
    "list-keys": fc.record({
      limit: field(numericString(1, 1000)),
      marker: field(numericString(0, 200)),
      key_state: field(fc.constantFrom("1", "2", "3", "4", "5", "6", "")),
      key_spec: field(keySpec),
      enterprise_project_id: field(fc.constantFrom("all", "0")),
    }),
    "enable-key": fc.record(common),
    "disable-key": fc.record(common),
    "schedule-key-deletion": fc.record({ ...common, pending_days: field(numericString(7, 1096)) }),
    "cancel-key-deletion": fc.record(common),
    "update-key-alias": fc.record({ ...common, key_alias: field(alias) }),
    "update-key-description": fc.record({ ...common, key_description: field(fc.string({ maxLength: 300 })) }),
    "encrypt-data": fc.record({
      ...common,
      plain_text: field(fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), fc.constant("p".repeat(5000)))),
      encryption_algorithm: field(fc.constantFrom("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256", "SM2_ENCRYPT")),
      additional_authenticated_data: field(fc.string({ maxLength: 200 })),
    }),
    "decrypt-data": fc.record({
      ...common,
      cipher_text: field(cipherText),
      additional_authenticated_data: field(fc.string({ maxLength: 200 })),
      encryption_algorithm: field(fc.constantFrom("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256")),
    }),
    "create-datakey": fc.record({
      ...common,
      datakey_length: field(bitLength),
      key_spec: field(fc.constantFrom("AES_256", "AES_128", "HMAC_256", "SM4", "RSA_2048")),
      additional_authenticated_data: field(fc.string({ maxLength: 200 })),
    }),
    "create-datakey-without-plaintext": fc.record({ ...common, datakey_length: field(bitLength) }),
    "encrypt-datakey": fc.record({
      ...common,
      plain_text: field(fc.oneof(hex(96), badEncoding)),
      datakey_plain_length: field(numericString(1, 1024)),
      additional_authenticated_data: field(fc.string({ maxLength: 200 })),
    }),
    "decrypt-datakey": fc.record({
      ...common,
      cipher_text: field(dataKeyCipher),
      datakey_cipher_length: field(numericString(1, 1024)),
    }),
    "gen-random": fc.record({ random_data_length: field(bitLength), sequence: common.sequence }),
    sign: fc.record({
      ...common,
      message: field(
        fc.oneof(
          { weight: 8, arbitrary: base64(64) },
          { weight: 1, arbitrary: base64(5000) },
          { weight: 1, arbitrary: badEncoding },
        ),
      ),
      signing_algorithm: field(
        fc.constantFrom(
          "RSASSA_PSS_SHA_256",
          "RSASSA_PKCS1_V1_5_SHA_512",
          "ECDSA_SHA_256",
          "SM2DSA_SM3",
          "X",
        ),
      ),
      message_type: field(fc.constantFrom("DIGEST", "RAW", "OTHER")),
    }),
    verify: fc.record({
      ...common,
      message: field(fc.oneof(base64(64), badEncoding)),
      signature: field(fc.oneof(base64(600), badEncoding)),
      signing_algorithm: field(fc.constantFrom("RSASSA_PSS_SHA_256", "ECDSA_SHA_256", "ECDSA_SHA_512")),
      message_type: field(fc.constantFrom("DIGEST", "RAW")),
    }),
    "get-publickey": fc.record(common),
    "generate-mac": fc.record({
      ...common,
      mac_algorithm: field(fc.constantFrom("HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512", "HMAC_SM3")),
      message: field(fc.oneof(base64(100), base64(5000), badEncoding)),
    }),
    "verify-mac": fc.record({
      ...common,
      mac_algorithm: field(fc.constantFrom("HMAC_SHA_256", "HMAC_SHA_512")),
      message: field(base64(100)),
      mac: field(fc.oneof(base64(64), badEncoding)),
    }),
    "get-key-rotation-status": fc.record(common),
    "enable-key-rotation": fc.record(common),
    "disable-key-rotation": fc.record(common),
    "update-key-rotation-interval": fc.record({
      ...common,
      rotation_interval: field(fc.integer({ min: -10, max: 1000 })),
    }),
    "rotate-on-demand": fc.record(common),
    "create-grant": fc.record({
      ...common,
      grantee_principal: field(fc.stringMatching(/^[a-zA-Z0-9]{1,64}$/)),
      operations: field(
        fc.array(fc.constantFrom("encrypt-data", "decrypt-data", "create-grant", "describe-key", "nope"), {
          maxLength: 5,
        }),
      ),
      name: field(alias),
      grantee_principal_type: field(fc.constantFrom("user", "domain", "group")),
    }),
    "list-grants": fc.record({
      ...common,
      limit: field(numericString(1, 100)),
      marker: field(numericString(0, 100)),
    }),
    "list-retirable-grants": fc.record({
      limit: field(numericString(1, 100)),
      marker: field(numericString(0, 100)),
    }),
    "revoke-grant": fc.record({ ...common, grant_id: field(hex(32)) }),
    "retire-grant": fc.record({ ...common, grant_id: field(hex(32)) }),
  };

  // Mostly the body as modelled; sometimes with unknown fields added, sometimes with fields left out.
  const withExtras = (body: fc.Arbitrary<Record<string, unknown>>) =>
    fc
      .tuple(
        body,
        fc.oneof(
          { weight: 8, arbitrary: fc.constant(null) },
          {
            weight: 1,
            arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
          },
        ),
        fc.oneof(
          { weight: 8, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) },
        ),
      )
      .map(([b, extra, drops]) => {
        const out: Record<string, unknown> = extra ? { ...extra, ...b } : { ...b };
        const names = Object.keys(b);
        for (const i of drops) if (names.length > 0) delete out[names[i % names.length]!];
        return out;
      });

  const principal = fc.constantFrom<FuzzRequest["auth"]>(
    "admin",
    "admin",
    "admin",
    "obs",
    "obs",
    "viewer",
    "evs",
  );

  const opRequest: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...OPS).chain((op) =>
    fc.record({
      method: fc.constant("POST"),
      path: fc.constant(`/v1.0/{pid}/kms/${op}`),
      body: fc.oneof(
        { weight: 12, arbitrary: withExtras(bodies[op]).map((json) => ({ json })) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((json) => ({ json })) },
      ),
      contentType: fc.constant("application/json;charset=UTF-8"),
      auth: principal,
    }),
  );

  const tagKey = field(
    fc.oneof(fc.string({ minLength: 1, maxLength: 36 }), fc.constantFrom("a=b", "x".repeat(40))),
  );
  const tagRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
    fc.record({
      method: fc.constant("POST"),
      path: keyRef.map((k) => `/v1.0/{pid}/kms/${encodeURIComponent(k)}/tags`),
      body: fc
        .record(
          { tag: field(fc.record({ key: tagKey, value: field(fc.string({ maxLength: 50 })) })) },
          { requiredKeys: [] },
        )
        .map((json) => ({ json })),
      contentType: fc.constant("application/json;charset=UTF-8"),
      auth: principal,
    }),
    fc.record({
      method: fc.constant("POST"),
      path: keyRef.map((k) => `/v1.0/{pid}/kms/${encodeURIComponent(k)}/tags/action`),
      body: fc
        .record(
          {
            action: field(fc.constantFrom("create", "delete", "update")),
            tags: field(
              fc.array(fc.record({ key: tagKey, value: field(fc.string({ maxLength: 50 })) }), {
                maxLength: 25,
              }),
            ),
          },
          { requiredKeys: [] },
        )
        .map((json) => ({ json })),
      contentType: fc.constant("application/json;charset=UTF-8"),
      auth: principal,
    }),
    fc.record({
      method: fc.constant("GET"),
      path: keyRef.map((k) => `/v1.0/{pid}/kms/${encodeURIComponent(k)}/tags`),
      auth: principal,
    }),
    fc.record({
      method: fc.constant("DELETE"),
      path: fc
        .tuple(keyRef, fc.string({ minLength: 1, maxLength: 40 }))
        .map(([k, t]) => `/v1.0/{pid}/kms/${encodeURIComponent(k)}/tags/${encodeURIComponent(t)}`),
      auth: principal,
    }),
    fc.record({
      method: fc.constant("GET"),
      path: fc.constantFrom(
        "/v1.0/{pid}/kms/tags",
        "/v1.0/{pid}/kms/user-instances",
        "/v1.0/{pid}/kms/user-quotas",
      ),
      auth: principal,
    }),
    fc.record({
      method: fc.constant("POST"),
      path: fc.constant("/v1.0/{pid}/kms/resource_instances/action"),
      body: fc
        .record(
          {
            action: field(fc.constantFrom("filter", "count", "other")),
            limit: field(numericString(1, 1000)),
            offset: field(numericString(0, 100)),
            tags: field(
              fc.array(fc.record({ key: tagKey, values: field(fc.array(fc.string({ maxLength: 10 }))) })),
            ),
            matches: field(
              fc.array(fc.record({ key: fc.constant("resource_name"), value: fc.string({ maxLength: 20 }) })),
            ),
          },
          { requiredKeys: [] },
        )
        .map((json) => ({ json })),
      contentType: fc.constant("application/json;charset=UTF-8"),
      auth: principal,
    }),
  );

  const malformedJson: fc.Arbitrary<FuzzRequest> = fc.record({
    method: fc.constant("POST"),
    path: fc.constantFrom(...OPS).map((op) => `/v1.0/{pid}/kms/${op}`),
    body: fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          "{",
          '{"key_id":',
          "[1,2",
          "null",
          '"str"',
          '{"a":1}}',
          "\u0000",
          '{"__proto__":{"x":1}}',
        ),
      )
      .map((raw) => ({ raw })),
    contentType: fc.constantFrom(
      "application/json;charset=UTF-8",
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
    ),
    auth: principal,
  });

  const oversize: fc.Arbitrary<FuzzRequest> = fc.record({
    method: fc.constant("POST"),
    path: fc.constantFrom("/v1.0/{pid}/kms/encrypt-data", "/v1.0/{pid}/kms/create-key"),
    body: fc
      .integer({ min: 200_000, max: 1_500_000 })
      .map((n) => ({ raw: JSON.stringify({ key_id: seeds.keyIds[0], plain_text: "A".repeat(n) }) })),
    contentType: fc.constant("application/json;charset=UTF-8"),
    auth: fc.constant<FuzzRequest["auth"]>("admin"),
  });

  const wrongMethod: fc.Arbitrary<FuzzRequest> = fc.record({
    method: fc.constantFrom("GET", "PUT", "DELETE", "PATCH"),
    path: fc.constantFrom(...OPS).map((op) => `/v1.0/{pid}/kms/${op}`),
    auth: principal,
  });

  const randomPath: fc.Arbitrary<FuzzRequest> = fc.record({
    method: fc.constantFrom("GET", "POST", "DELETE"),
    path: fc.oneof(
      fc.string({ maxLength: 30 }).map((s) => `/v1.0/{pid}/kms/${encodeURIComponent(s)}`),
      fc.webPath(),
      fc.constantFrom(
        "/",
        "/v1.0",
        "/v1.0/",
        "/v2/{pid}/kms/keys",
        "/v1.0/{pid}",
        "/v1.0/{pid}/kms",
        `/v1.0/${seeds.otherProjectId}/kms/list-keys`,
        "/v1.0/{pid}/kms/%zz",
        "/v1.0/{pid}/kms/..%2f..%2fhealth",
        "/v1.0/{pid}/kms/list-keys?x=1&y=%",
      ),
    ),
    body: fc.option(
      fc.jsonValue({ maxDepth: 1 }).map((json) => ({ json })),
      { nil: undefined },
    ),
    contentType: fc.constant("application/json;charset=UTF-8"),
    auth: principal,
  });

  const badAuth: fc.Arbitrary<FuzzRequest> = fc
    .tuple(
      opRequest,
      fc.constantFrom<FuzzRequest["auth"]>("none", "bad-signature", "stale", "unknown-ak", "garbage"),
    )
    .map(([req, auth]) => ({ ...req, auth }));

  const crossProject: fc.Arbitrary<FuzzRequest> = opRequest.map((req) => ({
    ...req,
    path: req.path.replace("{pid}", seeds.otherProjectId),
  }));

  return fc.oneof(
    { weight: 60, arbitrary: opRequest },
    { weight: 8, arbitrary: tagRequest },
    { weight: 6, arbitrary: malformedJson },
    { weight: 1, arbitrary: oversize },
    { weight: 5, arbitrary: wrongMethod },
    { weight: 5, arbitrary: randomPath },
    { weight: 8, arbitrary: badAuth },
    { weight: 3, arbitrary: crossProject },
  );
}
