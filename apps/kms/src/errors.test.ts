import type { KmsEngine } from "@kms/engine";
import { KmsError } from "@kms/engine";
import { describe, expect, it } from "vitest";
import { createKmsApi } from "./app.js";
import { signRequest } from "./testing/signed-client.js";

const PROJECT = "p".repeat(32);
const caller = {
  principal: { kind: "user" as const, id: "u1", name: "admin", role: "admin" as const },
  projectId: PROJECT,
  domainId: "d1",
};

/** An engine whose operations fail the way a broken dependency would. */
function brokenEngine(failure: unknown): KmsEngine {
  const fail = async () => {
    throw failure;
  };
  return {
    authenticate: async () => ({ caller, secretKey: Buffer.from("SK") }),
    listProjects: async () => [],
    recordRefusal: fail,
    describeKey: fail,
  } as unknown as KmsEngine;
}

async function signedInject(engine: KmsEngine, op: string, body: unknown) {
  const app = createKmsApi({ engine });
  const url = `/v1.0/${PROJECT}/kms/${op}`;
  const text = JSON.stringify(body);
  const headers = signRequest({
    method: "POST",
    url: `http://localhost${url}`,
    ak: "AK",
    sk: "SK",
    body: text,
  });
  const res = await app.inject({ method: "POST", url, headers, payload: text });
  await app.close();
  return res;
}

describe("error mapping", () => {
  it("when the engine fails unexpectedly, then 500 KMS.0101 without internals", async () => {
    const res = await signedInject(
      brokenEngine(new Error("db password=hunter2 at /srv/kms")),
      "describe-key",
      {
        key_id: "0d0466b0-e727-4d9c-b35d-f84bb474a37f",
      },
    );
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { error_code: "KMS.0101", error_msg: "KMS error." },
      error_code: "KMS.0101",
      error_msg: "KMS error.",
    });
    expect(res.body).not.toContain("hunter2");
    expect(res.headers["x-request-id"]).toBeTruthy();
  });

  it("passes a KmsError's status and code through", async () => {
    const res = await signedInject(brokenEngine(new KmsError("KMS.0207")), "describe-key", {
      key_id: "0d0466b0-e727-4d9c-b35d-f84bb474a37f",
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toBe("KMS.0207");
  });

  it("when auditing a refusal fails, the client still gets the 4xx of its bad input", async () => {
    const res = await signedInject(brokenEngine(new Error("audit store down")), "describe-key", {
      key_id: "x",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe("KMS.0205");
  });

  it("when the URL cannot be decoded, then 400 KMS.0201 with a request ID", async () => {
    const app = createKmsApi({ engine: brokenEngine(new Error("unused")) });
    const res = await app.inject({ method: "GET", url: `/v1.0/${PROJECT}/kms/%E0%A4%A/tags` });
    await app.close();
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe("KMS.0201");
    expect(res.headers["x-request-id"]).toBeTruthy();
  });
});
