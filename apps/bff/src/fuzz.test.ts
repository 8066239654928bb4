import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type SignedIn } from "./testing/harness.js";

const RUNS = 2_100;

/** Values that break parsers: wrong types, out-of-range numbers, markup, huge strings, odd unicode. */
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    "-1",
    "0",
    "99999999999",
    "NaN",
    "true",
    "null",
    "%00",
    "../..",
    "<script>",
    "a".repeat(2000),
  ),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
);
const junkJson = fc.oneof(
  // supertest sends objects and arrays as JSON; a bare scalar travels wrapped
  fc.jsonValue({ maxDepth: 2 }).map((v) => (typeof v === "object" && v !== null ? v : { value: v })),
  fc.record({ pendingDays: fc.integer({ min: -100, max: 5000 }) }),
  fc.record({ enabled: fc.boolean(), intervalDays: fc.integer({ min: -10, max: 1000 }) }),
  fc.record({ tags: fc.array(fc.record({ key: junk, value: junk }), { maxLength: 25 }) }),
  fc.record({ alias: junk, description: fc.option(junk) }),
  fc.record({ plaintext: fc.oneof(junk, fc.constant("x".repeat(5000))) }),
  fc.record({ ciphertext: junk }),
);

describe("generated requests across the routes", () => {
  let h: Harness;
  let admin: SignedIn;
  let ids: string[];
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.login("admin");
    ids = [await h.customKey("fuzz-a"), await h.defaultKey()];
  });

  it(`answers ${RUNS} malformed, out-of-range or unknown-key requests with 4xx and the error body, never 500`, async () => {
    const keyId = fc.oneof(
      fc.constantFrom(...ids),
      fc.constant("00000000-0000-0000-0000-000000000000"),
      fc.uuid().map((u) => u.toLowerCase()),
      junk.map(encodeURIComponent),
    );
    const project = fc.oneof(fc.constant(h.projectId), fc.constant(h.projectId), junk);
    const query = fc.dictionary(
      fc.constantFrom(
        "projectId",
        "q",
        "state",
        "spec",
        "type",
        "showHidden",
        "sort",
        "order",
        "cursor",
        "limit",
        "from",
        "to",
        "granularity",
        "month",
        "keyId",
        "action",
        "result",
        "principalId",
        "bogus",
      ),
      junk,
      { maxKeys: 4 },
    );
    const route = fc.constantFrom(
      ["get", "/api/keys"],
      ["get", "/api/keys/:id"],
      ["get", "/api/keys/:id/usage"],
      ["get", "/api/keys/:id/dependents"],
      ["get", "/api/usage"],
      ["get", "/api/billing"],
      ["get", "/api/audit"],
      ["get", "/api/default-keys/catalog"],
      ["get", "/api/keys.csv"],
      ["get", "/api/usage.csv"],
      ["post", "/api/keys"],
      ["post", "/api/keys/:id/enable"],
      ["post", "/api/keys/:id/disable"],
      ["post", "/api/keys/:id/schedule-deletion"],
      ["post", "/api/keys/:id/cancel-deletion"],
      ["patch", "/api/keys/:id"],
      ["put", "/api/keys/:id/tags"],
      ["put", "/api/keys/:id/rotation"],
      ["post", "/api/keys/:id/rotate"],
      ["post", "/api/keys/:id/encrypt"],
      ["post", "/api/keys/:id/decrypt"],
      ["post", "/api/session"],
    ) as fc.Arbitrary<[string, string]>;

    let count = 0;
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        route,
        keyId,
        project,
        query,
        fc.option(junkJson),
        async ([method, path], id, projectId, q, body) => {
          count++;
          const url = path.replace(":id", id);
          const params = new URLSearchParams({ projectId, ...q });
          let req = (admin.agent as unknown as Record<string, (u: string) => import("supertest").Test>)[
            method
          ]!(`${url}?${params}`).set("X-CSRF-Token", admin.csrf);
          if (body !== null && method !== "get") req = req.send(body as object);
          const res = await req;
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          expect(
            res.status,
            `${method} ${url} ${JSON.stringify(body)} → ${res.text.slice(0, 200)}`,
          ).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.body.error.code).toMatch(/^(KMS|CONSOLE)\.\d{4}$/);
            expect(typeof res.body.error.message).toBe("string");
          }
          if (res.status === 404 && /^[0-9a-z]{8}-/.test(id) && !ids.includes(id) && path.includes(":id")) {
            expect(["KMS.0207", "CONSOLE.0404"]).toContain(res.body.error.code);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(count).toBeGreaterThanOrEqual(2_000);
    // The generator must reach past validation too, not only bounce off it.
    expect(seen.get(400)).toBeGreaterThan(100);
    expect((seen.get(200) ?? 0) + (seen.get(201) ?? 0)).toBeGreaterThan(20);
    expect(seen.get(404)).toBeGreaterThan(20);
  }, 240_000);
});
