import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js";
import type { ICredential } from "@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js";
import type { IHttpRequest } from "@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signRequest } from "../testing/signed-client.js";
import {
  canonicalQuery,
  canonicalUri,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  verifySignature,
} from "./sdk-hmac.js";

const credential = (ak: string, sk: string) =>
  ({ getAk: () => ak, getSk: () => sk }) as unknown as ICredential;

describe("SDK-HMAC-SHA256", () => {
  it("produces the official signer's Authorization for any body, path segment and key", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 4 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.date({ min: new Date("2000-01-01"), max: new Date("2099-01-01"), noInvalidDate: true }),
        (segment, data, sk, date) => {
          const url = `http://127.0.0.1:8081/v1.0/p1/kms/${segment}`;
          const sdkDate = formatSdkDate(date);
          const theirs = AKSKSigner.sign(
            {
              method: "POST",
              endpoint: url,
              headers: { "Content-Type": "application/json", "X-Project-Id": "p1", "X-Sdk-Date": sdkDate },
              queryParams: {},
              data,
            } as unknown as IHttpRequest,
            credential("AK1", sk),
          ) as Record<string, string>;
          const ours = signRequest({
            method: "POST",
            url,
            ak: "AK1",
            sk,
            projectId: "p1",
            body: JSON.stringify(data),
            date,
          });
          expect(ours.authorization).toBe(theirs.Authorization);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("verifies a request signed by the official signer with a query string", () => {
    const headers = AKSKSigner.sign(
      {
        method: "GET",
        endpoint: "http://h:1/v1.0/p1/kms/tags",
        headers: { "Content-Type": "application/json" },
        queryParams: { b: "2 3", a: ["z", "y"] },
      } as unknown as IHttpRequest,
      credential("AK", "SK"),
    ) as Record<string, string>;
    const auth = parseAuthorization(headers.Authorization)!;
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const input = {
      method: "GET",
      path: "/v1.0/p1/kms/tags",
      query: "b=2%203&a=z&a=y",
      headers: lower,
      signedHeaders: auth.signedHeaders,
      bodyHash: sha256Hex(""),
    };
    expect(verifySignature(input, lower["x-sdk-date"]!, "SK", auth.signature)).toBe(true);
    expect(verifySignature(input, lower["x-sdk-date"]!, "SK2", auth.signature)).toBe(false);
  });

  it("builds the canonical URI per segment, always ending in /", () => {
    expect(canonicalUri("/v1.0/p/kms/create-key")).toBe("/v1.0/p/kms/create-key/");
    expect(canonicalUri("/v1.0/p/kms/k/tags/a%20b", "decoded")).toBe("/v1.0/p/kms/k/tags/a%20b/");
    expect(canonicalUri("/v1.0/p/kms/k/tags/a%20b", "raw")).toBe("/v1.0/p/kms/k/tags/a%2520b/");
    expect(canonicalQuery("b=1&a=2&a=1")).toBe("a=1&a=2&b=1");
  });

  it("parses X-Sdk-Date strictly", () => {
    expect(parseSdkDate("20160629T101459Z")).toBe(Date.UTC(2016, 5, 29, 10, 14, 59));
    expect(parseSdkDate("20160231T101459Z")).toBeUndefined();
    expect(parseSdkDate("2016-06-29T10:14:59Z")).toBeUndefined();
    expect(parseSdkDate(undefined)).toBeUndefined();
    expect(formatSdkDate(new Date(Date.UTC(2016, 5, 29, 10, 14, 59)))).toBe("20160629T101459Z");
  });

  it("rejects malformed Authorization headers", () => {
    expect(parseAuthorization("Bearer x")).toBeUndefined();
    expect(parseAuthorization("SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=zz")).toBeUndefined();
    expect(
      parseAuthorization(
        `SDK-HMAC-SHA256 Access=a, SignedHeaders=host;x-sdk-date, Signature=${"a".repeat(64)}`,
      ),
    ).toEqual({ accessKey: "a", signedHeaders: ["host", "x-sdk-date"], signature: "a".repeat(64) });
  });
});
