import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js";
import type { ICredential } from "@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js";
import type { IHttpRequest } from "@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiHarness, startHarness } from "../testing/harness.js";

/**
 * The published signer of the official Node.js SDK (@huaweicloud/huaweicloud-sdk-core) is the
 * client here: only its signer is used, never its HTTP client (which logs Authorization headers).
 */
let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  // The SDK signs with the real time; the server's clock follows it.
  h.t.clock.set(new Date());
});

interface SdkCall {
  projectId?: string;
  op: string;
  body: Record<string, unknown>;
  ak?: string;
  sk?: string;
}

function sdkSign({ projectId = h.projectId, op, body, ak, sk }: SdkCall) {
  const admin = h.t.provisioned.users.admin;
  const request = {
    method: "POST",
    endpoint: `${h.endpoint}/v1.0/${projectId}/kms/${op}`,
    headers: { "Content-Type": "application/json", "X-Project-Id": projectId },
    queryParams: {},
    data: body,
  } as unknown as IHttpRequest;
  const credential = { getAk: () => ak ?? admin.ak, getSk: () => sk ?? admin.sk } as unknown as ICredential;
  return {
    url: request.endpoint!,
    headers: AKSKSigner.sign(request, credential) as Record<string, string>,
    // The SDK hashes JSON.stringify(data), which is also what it sends.
    text: JSON.stringify(body),
  };
}

interface WireBody {
  error_code?: string;
  error_msg?: string;
  error?: { error_code: string };
  key_info?: { key_id: string };
}

async function send(signed: ReturnType<typeof sdkSign>) {
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(signed.url, {
    method: "POST",
    headers: { ...headers, "User-Agent": "kms-tests", Accept: "application/json" },
    body: signed.text,
  });
  return { status: res.status, body: (await res.json()) as WireBody };
}

async function refusals(code: string): Promise<number> {
  const { items } = await h.t.kms.listAudit(h.t.admin, { result: "refused", limit: 1000 });
  return items.filter((e) => e.errorCode === code).length;
}

describe("the official SDK signer", () => {
  it("signs content-type, host, x-project-id and x-sdk-date, and the server accepts it", async () => {
    const signed = sdkSign({ op: "create-key", body: { key_alias: "sdk-signed", key_spec: "AES_256" } });
    expect(signed.headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=\S+, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    const res = await send(signed);
    expect(res.status).toBe(200);
    expect(res.body.key_info?.key_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("when one character of the signature changes, then 401 and the refusal is audited", async () => {
    const before = await refusals("APIGW.0301");
    const signed = sdkSign({ op: "list-keys", body: { key_spec: "ALL" } });
    signed.headers.Authorization = signed.headers.Authorization!.replace(/.$/, (c) =>
      c === "0" ? "1" : "0",
    );
    const res = await send(signed);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: "APIGW.0301", error: { error_code: "APIGW.0301" } });
    expect(res.body.error_msg).toMatch(/signature does not match/);
    expect(await refusals("APIGW.0301")).toBe(before + 1);
  });

  it("when the body is changed after signing, then 401", async () => {
    const signed = sdkSign({ op: "list-keys", body: { key_spec: "ALL" } });
    signed.text = JSON.stringify({ key_spec: "RSA_2048" });
    expect((await send(signed)).status).toBe(401);
  });

  it("when X-Sdk-Date is more than 15 minutes off, then 401 with that detail; 14 minutes is fine", async () => {
    const signed = sdkSign({ op: "list-keys", body: {} });
    h.t.clock.advance(16 * 60_000);
    const stale = await send(signed);
    expect(stale.status).toBe(401);
    expect(stale.body.error_msg).toMatch(/X-Sdk-Date is more than 15 minutes from the server time/);

    h.t.clock.set(new Date());
    const fresh = sdkSign({ op: "list-keys", body: {} });
    h.t.clock.advance(14 * 60_000);
    expect((await send(fresh)).status).toBe(200);
  });

  it("when the path names another project, then 403 KMS.0321 and the refusal is audited", async () => {
    const other = await h.t.kms.provisionProject({
      name: "other",
      region: "eu-west-101",
      domainId: h.t.provisioned.project.domainId,
    });
    const before = await refusals("KMS.0321");
    const res = await send(sdkSign({ projectId: other.project.id, op: "list-keys", body: {} }));
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe("KMS.0321");
    expect(await refusals("KMS.0321")).toBe(before + 1);
  });

  it("when the access key is unknown, then 401", async () => {
    const res = await send(sdkSign({ op: "list-keys", body: {}, ak: "NOSUCHACCESSKEY", sk: "x" }));
    expect(res.status).toBe(401);
    expect(res.body.error_msg).toMatch(/access key is unknown/);
  });

  it("when a request is signed with the wrong secret key, then 401", async () => {
    const res = await send(sdkSign({ op: "list-keys", body: {}, sk: "not-the-secret" }));
    expect(res.status).toBe(401);
  });
});
