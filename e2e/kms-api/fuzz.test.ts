import { randomBytes } from "node:crypto";
import { DEFAULT_BODY_LIMIT } from "@kms/api";
import { ERROR_CODES } from "@kms/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kmsCall, parseJson } from "./support/client.js";
import { type FuzzRequest, type FuzzSeeds, fuzzRequests } from "./support/fuzz-requests.js";
import { httpRequest, type RawResponse } from "./support/http.js";
import { serveInTempDir } from "./support/server.js";
import { type AccessKeyPair, signRequest } from "./support/sign.js";
import { allKeys, openTargetStore } from "./support/store.js";
import { cleanupAfterAll } from "./support/temp.js";

/**
 * Must show 8: at least 10,000 generated requests (valid-looking and hostile) over real HTTP to one
 * `serve` process. Every answer is 2xx or a documented 4xx in the Huawei error shape with an
 * X-Request-Id, never a 5xx; the server stays up; afterwards the store still holds its invariants.
 */

const BATCH = 16;
const RUNS = 640; // 640 × 16 = 10,240 requests

const defer = cleanupAfterAll();

/** Why a response breaks the contract, or undefined when it keeps it. */
function violation(res: RawResponse): string | undefined {
  if (!res.headers["x-request-id"]) return "no X-Request-Id";
  if (res.status >= 200 && res.status < 300) return undefined;
  if (res.status < 400 || res.status >= 500) return `status ${res.status}`;
  const body = parseJson(res.text) as { error?: { error_code?: unknown; error_msg?: unknown } } | undefined;
  const code = body?.error?.error_code;
  if (typeof code !== "string" || !Object.hasOwn(ERROR_CODES, code)) return `error_code ${String(code)}`;
  if (typeof body?.error?.error_msg !== "string") return "no error_msg";
  const documented = ERROR_CODES[code as keyof typeof ERROR_CODES].status;
  if (documented !== res.status) return `${code} answered with ${res.status}, documented ${documented}`;
  return undefined;
}

describe("fuzzing the KMS API", () => {
  it("when 10,000+ generated requests hit the server, then none gets a 5xx or a malformed error and the store stays consistent", async () => {
    const server = await serveInTempDir("fuzz", defer);
    const s = server;
    const { credentials } = s;
    const { admin } = credentials.users;
    const obs = credentials.services.obs!;

    // Seed keys of every family and state, so generated requests reach deep into the handlers.
    const seeds: FuzzSeeds = {
      keyIds: [],
      cipherTexts: [],
      dataKeyCipherTexts: [],
      otherProjectId: randomBytes(16).toString("hex"),
    };
    const create = async (alias: string, spec: string, usage?: string) => {
      const res = await kmsCall(s, admin, "create-key", {
        key_alias: alias,
        key_spec: spec,
        ...(usage ? { key_usage: usage } : {}),
      });
      expect(res.status, res.text).toBe(200);
      const id = res.json.key_info.key_id as string;
      seeds.keyIds.push(id);
      return id;
    };
    const aes = await create("fuzz-aes", "AES_256");
    await create("fuzz-rsa-sign", "RSA_2048");
    await create("fuzz-rsa-enc", "RSA_2048", "ENCRYPT_DECRYPT");
    await create("fuzz-ec", "EC_P256");
    await create("fuzz-hmac", "HMAC_256");
    const disabled = await create("fuzz-disabled", "AES_256");
    expect((await kmsCall(s, admin, "disable-key", { key_id: disabled })).status).toBe(200);
    const pending = await create("fuzz-pending", "AES_256");
    expect(
      (await kmsCall(s, admin, "schedule-key-deletion", { key_id: pending, pending_days: "7" })).status,
    ).toBe(200);
    const dk = await kmsCall(s, obs, "create-datakey", { key_id: "obs/default", datakey_length: "256" });
    expect(dk.status, dk.text).toBe(200);
    seeds.keyIds.push(dk.json.key_id as string);
    seeds.dataKeyCipherTexts.push(dk.json.cipher_text as string);
    for (const [who, ref] of [
      [admin, aes],
      [obs, "obs/default"],
    ] as const) {
      const enc = await kmsCall(s, who, "encrypt-data", { key_id: ref, plain_text: "fuzz seed" });
      expect(enc.status, enc.text).toBe(200);
      seeds.cipherTexts.push(enc.json.cipher_text as string);
    }

    const principals: Record<string, AccessKeyPair> = {
      admin,
      viewer: credentials.users.viewer,
      obs,
      evs: credentials.services.evs!,
    };
    const stats = { sent: 0, skipped: 0, closedOversize: 0, byStatus: new Map<number, number>() };

    const send = async (req: FuzzRequest): Promise<RawResponse | undefined> => {
      const path = req.path.replaceAll("{pid}", credentials.projectId);
      // The path goes on the wire as generated; the signer sees it through URL parsing, which may
      // normalise it (a signature mismatch is then one more refusal to check, not a test error).
      const url = new URL(`${s.baseUrl}${path.startsWith("/") ? path : `/${path}`}`);
      const body =
        req.body === undefined
          ? ""
          : "json" in req.body
            ? (JSON.stringify(req.body.json) ?? "null")
            : req.body.raw;
      const headers: Record<string, string> = { "x-project-id": credentials.projectId };
      if (req.body !== undefined && req.contentType) headers["content-type"] = req.contentType;
      let sendHeaders: Record<string, string> = headers;
      const credential = principals[req.auth] ?? admin;
      switch (req.auth) {
        case "none":
          break;
        case "garbage":
          sendHeaders = {
            ...headers,
            authorization: "SDK-HMAC-SHA256 Access=, Signature=zz",
            "x-sdk-date": "yesterday",
          };
          break;
        case "unknown-ak":
          sendHeaders = signRequest({
            method: req.method,
            url,
            headers,
            body,
            credential: { ak: "UNKNOWNACCESSKEY0000", sk: "nope" },
          });
          break;
        case "stale":
          sendHeaders = signRequest({
            method: req.method,
            url,
            headers,
            body,
            credential,
            date: new Date(Date.now() - 20 * 60_000),
          });
          break;
        case "bad-signature": {
          sendHeaders = signRequest({ method: req.method, url, headers, body, credential });
          const auth = sendHeaders.authorization!;
          const last = auth.at(-1) === "0" ? "1" : "0";
          sendHeaders.authorization = `${auth.slice(0, -1)}${last}`;
          break;
        }
        default:
          sendHeaders = signRequest({ method: req.method, url, headers, body, credential });
      }
      try {
        return await httpRequest(s.baseUrl, {
          method: req.method,
          rawPath: path.startsWith("/") ? path : `/${path}`,
          headers: sendHeaders,
          ...(req.body === undefined ? {} : { body }),
        });
      } catch (e) {
        // Node refuses to send some generated paths or headers at all: nothing reached the server.
        const code = (e as { code?: string }).code ?? "";
        if (code.startsWith("ERR_UNESCAPED") || code.startsWith("ERR_INVALID")) {
          stats.skipped++;
          return undefined;
        }
        // A body over the cap is refused with KMS.0203 and the connection closed without reading the
        // rest; a client still writing then sees EPIPE/ECONNRESET instead of the answer. That is the
        // refusal, as long as the server stays up (checked after every batch).
        if ((code === "EPIPE" || code === "ECONNRESET") && Buffer.byteLength(body) > DEFAULT_BODY_LIMIT) {
          stats.closedOversize++;
          return undefined;
        }
        throw e;
      }
    };

    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fuzzRequests(seeds), { minLength: BATCH, maxLength: BATCH }),
        async (batch) => {
          const responses = await Promise.all(batch.map(send));
          responses.forEach((res, i) => {
            if (!res) return;
            stats.sent++;
            stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
            const why = violation(res);
            if (why) {
              const req = batch[i]!;
              const shown = JSON.stringify({ ...req, body: JSON.stringify(req.body)?.slice(0, 500) });
              throw new Error(`${why}\nrequest: ${shown}\nresponse: ${res.status} ${res.text.slice(0, 500)}`);
            }
          });
          expect(s.alive()).toBe(true);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    console.info(
      `[e2e] fuzz: ${stats.sent} requests answered (${stats.skipped} not sendable, ${stats.closedOversize} oversize closed) in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort()))}`,
    );
    expect(stats.sent).toBeGreaterThanOrEqual(10_000);
    // Enough of the traffic must get past authentication and validation to reach the engine.
    let succeeded = 0;
    for (const [status, n] of stats.byStatus) if (status < 300) succeeded += n;
    expect(succeeded).toBeGreaterThan(stats.sent * 0.05);

    // Still up and still serving.
    expect(s.alive(), s.output()).toBe(true);
    expect((await httpRequest(`${s.baseUrl}/health`, { method: "GET" })).status).toBe(200);
    const list = await kmsCall(s, admin, "list-keys", { key_spec: "ALL", limit: "1000" });
    expect(list.status, list.text).toBe(200);
    await s.stop();

    // The store's invariants after the storm.
    const store = await openTargetStore({ kind: "sqlite", dataDir: server.dataDir });
    try {
      const keys = await allKeys(store, credentials.projectId);
      const problems: string[] = [];
      for (const key of keys) {
        const found = await store.getKeyWithVersion(credentials.projectId, key.id);
        if (found?.version.version !== key.currentVersion)
          problems.push(`${key.id}: no row for its current version`);
        const versions = (await store.listKeyVersions(key.id)).map((v) => v.version).sort((a, b) => a - b);
        if (versions.length !== key.currentVersion || versions.some((v, i) => v !== i + 1)) {
          problems.push(`${key.id}: versions ${versions.join(",")} for current ${key.currentVersion}`);
        }
      }
      expect(problems).toEqual([]);
      const custom = keys.filter((k) => !k.isDefault);
      expect(custom.length).toBeLessThanOrEqual(100);
      expect(await store.countCustomKeys(credentials.projectId)).toBe(custom.length);
      const aliases = keys.map((k) => k.alias);
      expect(new Set(aliases).size).toBe(aliases.length);
      const services = keys.filter((k) => k.isDefault).map((k) => k.service);
      expect(new Set(services).size).toBe(services.length);
      for (const k of keys.filter((k) => k.isDefault)) expect(k.alias).toBe(`${k.service}/default`);
      // The API agrees with the store.
      expect(list.json.total).toBe(keys.length);
    } finally {
      await store.close();
    }
  });
});
