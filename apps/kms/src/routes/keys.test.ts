import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startHarness } from "../testing/harness.js";

let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const MS = /^\d{13}$/;

async function createKey(alias: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.admin.call<{ key_info: { key_id: string } }>("create-key", {
    key_alias: alias,
    ...extra,
  });
  expect(res.status).toBe(200);
  return res.body.key_info.key_id;
}

function expectCode(res: { status: number; body: unknown }, status: number, code: string) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error_code: code } });
}

describe("key management", () => {
  it("create-key answers key_info with key_id, domain_id and region_id", async () => {
    const res = await h.admin.call("create-key", { key_alias: "wire-create", key_spec: "AES_256" });
    expect(res.body).toEqual({
      key_info: {
        key_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        domain_id: h.t.provisioned.project.domainId,
        region_id: "eu-west-101",
      },
    });
  });

  it("describe-key answers Huawei KeyDetails with string-typed scalars", async () => {
    const id = await createKey("wire-describe", { key_description: "for the wire test" });
    const res = await h.admin.call<{ key_info: Record<string, unknown> }>("describe-key", { key_id: id });
    expect(res.status).toBe(200);
    const info = res.body.key_info;
    expect(info).toMatchObject({
      key_id: id,
      domain_id: h.t.provisioned.project.domainId,
      key_alias: "wire-describe",
      realm: "eu-west-101",
      key_spec: "AES_256",
      key_usage: "ENCRYPT_DECRYPT",
      key_description: "for the wire test",
      scheduled_deletion_date: "",
      key_state: "2",
      default_key_flag: "0",
      key_type: "1",
      origin: "kms",
      key_rotation_enabled: "false",
      sys_enterprise_project_id: "0",
      keystore_id: "0",
    });
    expect(info.creation_date).toMatch(MS);
    expect(info.creation_date).toBe(String(h.t.clock.now().getTime()));
    for (const v of Object.values(info)) expect(typeof v).toBe("string");
  });

  it("list-keys pages with limit/marker, defaults key_spec to AES_256 and takes ALL", async () => {
    await createKey("list-rsa", { key_spec: "RSA_2048" });
    const all = await h.admin.call<Record<string, unknown>>("list-keys", { key_spec: "ALL" });
    const aes = await h.admin.call<Record<string, unknown>>("list-keys", {});
    const allIds = all.body.keys as string[];
    expect(all.body.total).toBe(allIds.length);
    expect(aes.body.total).toBe(allIds.length - 1);
    expect((aes.body.key_details as Array<{ key_spec: string }>).every((k) => k.key_spec === "AES_256")).toBe(
      true,
    );
    expect(all.body).toMatchObject({ truncated: "false", next_marker: "" });

    const first = await h.admin.call<Record<string, unknown>>("list-keys", { limit: "1", key_spec: "ALL" });
    expect(first.body).toMatchObject({ keys: [allIds[0]], truncated: "true", next_marker: "1" });
    expect(typeof first.body.total).toBe("number");
    const second = await h.admin.call<Record<string, unknown>>("list-keys", {
      limit: 1,
      marker: first.body.next_marker,
      key_spec: "ALL",
    });
    expect(second.body.keys).toEqual([allIds[1]]);
    const details = first.body.key_details as Array<Record<string, unknown>>;
    expect(details[0]).toMatchObject({ key_state: "2", default_key_flag: "0" });
    for (const v of Object.values(details[0]!)) expect(typeof v).toBe("string");
  });

  it("list-keys filters by key_state", async () => {
    const id = await createKey("list-disabled");
    await h.admin.call("disable-key", { key_id: id });
    const res = await h.admin.call<{ keys: string[] }>("list-keys", { key_state: "3" });
    expect(res.body.keys).toEqual([id]);
    expectCode(await h.admin.call("list-keys", { key_state: "6" }), 400, "KMS.0308");
  });

  it("walks the lifecycle with Huawei's wrappers and state codes", async () => {
    const id = await createKey("lifecycle");
    expect((await h.admin.call("disable-key", { key_id: id })).body).toEqual({
      key_info: { key_id: id, key_state: "3" },
    });
    expect((await h.admin.call("enable-key", { key_id: id })).body).toEqual({
      key_info: { key_id: id, key_state: "2" },
    });
    const scheduled = await h.admin.call("schedule-key-deletion", { key_id: id, pending_days: "7" });
    expect(scheduled.body).toEqual({ key_id: id, key_state: "4" });
    const described = await h.admin.call<{ key_info: Record<string, string> }>("describe-key", {
      key_id: id,
    });
    expect(described.body.key_info.scheduled_deletion_date).toBe(
      String(h.t.clock.now().getTime() + 7 * 86_400_000),
    );
    expectCode(await h.admin.call("encrypt-data", { key_id: id, plain_text: "x" }), 400, "KMS.0210");
    expect((await h.admin.call("cancel-key-deletion", { key_id: id })).body).toEqual({
      key_id: id,
      key_state: "3",
    });
    expectCode(await h.admin.call("encrypt-data", { key_id: id, plain_text: "x" }), 400, "KMS.0209");
  });

  it("answers the documented codes for wrong lifecycle transitions", async () => {
    const id = await createKey("transitions");
    expectCode(await h.admin.call("enable-key", { key_id: id }), 400, "KMS.1201");
    expectCode(
      await h.admin.call("schedule-key-deletion", { key_id: id, pending_days: "3" }),
      400,
      "KMS.1401",
    );
    expectCode(
      await h.admin.call("schedule-key-deletion", { key_id: id, pending_days: 1097 }),
      400,
      "KMS.1401",
    );
    expectCode(await h.admin.call("cancel-key-deletion", { key_id: id }), 400, "KMS.1501");
    await h.admin.call("disable-key", { key_id: id });
    expectCode(await h.admin.call("disable-key", { key_id: id }), 400, "KMS.1301");
    const missing = "0d0466b0-e727-4d9c-b35d-f84bb474a37f";
    expectCode(await h.admin.call("describe-key", { key_id: missing }), 404, "KMS.0207");
    expectCode(await h.admin.call("enable-key", { key_id: missing }), 404, "KMS.0207");
  });

  it("updates alias and description, refusing duplicates", async () => {
    const id = await createKey("rename-me");
    expect((await h.admin.call("update-key-alias", { key_id: id, key_alias: "renamed" })).body).toEqual({
      key_info: { key_id: id, key_alias: "renamed" },
    });
    expect(
      (await h.admin.call("update-key-description", { key_id: id, key_description: "new words" })).body,
    ).toEqual({ key_info: { key_id: id, key_description: "new words" } });
    await createKey("taken");
    expectCode(await h.admin.call("update-key-alias", { key_id: id, key_alias: "taken" }), 400, "KMS.1104");
    expectCode(await h.admin.call("create-key", { key_alias: "taken" }), 400, "KMS.1104");
  });

  it("lets the viewer read but not change keys", async () => {
    const id = await createKey("viewer-sees");
    expect((await h.viewer.call("describe-key", { key_id: id })).status).toBe(200);
    expectCode(await h.viewer.call("disable-key", { key_id: id }), 403, "KMS.0306");
  });

  it("reports user-instances and user-quotas as numbers", async () => {
    const inst = await h.admin.request<{ instance_num: number }>("GET", "user-instances");
    expect(typeof inst.body.instance_num).toBe("number");
    expect(inst.body.instance_num).toBeGreaterThan(0);
    const quotas = await h.admin.request("GET", "user-quotas");
    expect(quotas.body).toEqual({
      quotas: {
        resources: [
          { type: "CMK", used: inst.body.instance_num, quota: 100 },
          { type: "grant_per_CMK", used: 0, quota: expect.any(Number) },
        ],
      },
    });
  });
});

describe("default keys", () => {
  let obsKey: string;
  beforeAll(async () => {
    const res = await h.service("obs").call<{ key_id: string }>("encrypt-data", {
      key_id: "obs/default",
      plain_text: "first use",
    });
    expect(res.status).toBe(200);
    obsKey = res.body.key_id;
  });

  it("are created on the service's first use and answer default_key_flag 1", async () => {
    const res = await h.admin.call<{ key_info: Record<string, string> }>("describe-key", { key_id: obsKey });
    expect(res.body.key_info).toMatchObject({
      key_alias: "obs/default",
      default_key_flag: "1",
      key_state: "2",
    });
  });

  it("when someone else names a default alias that does not exist, then 404 KMS.0207", async () => {
    expectCode(await h.admin.call("describe-key", { key_id: "evs/default" }), 404, "KMS.0207");
  });

  it("refuse every mutation with KMS.0211", async () => {
    const mutations: Array<[string, Record<string, unknown>]> = [
      ["disable-key", { key_id: obsKey }],
      ["schedule-key-deletion", { key_id: obsKey, pending_days: "7" }],
      ["update-key-alias", { key_id: obsKey, key_alias: "mine" }],
      ["update-key-description", { key_id: obsKey, key_description: "mine" }],
      ["enable-key-rotation", { key_id: obsKey }],
      ["disable-key-rotation", { key_id: obsKey }],
      ["update-key-rotation-interval", { key_id: obsKey, rotation_interval: 90 }],
      ["rotate-on-demand", { key_id: obsKey }],
    ];
    for (const [op, body] of mutations) {
      for (const client of [h.admin, h.service("obs")]) {
        const res = await client.call(op, body);
        expect({ op, status: res.status, code: res.body?.error_code }).toEqual({
          op,
          status: 400,
          code: "KMS.0211",
        });
      }
    }
    const tag = await h.admin.request("POST", `${obsKey}/tags`, { tag: { key: "k", value: "v" } });
    expectCode(tag, 400, "KMS.0211");
    const batch = await h.admin.request("POST", `${obsKey}/tags/action`, {
      action: "create",
      tags: [{ key: "k", value: "v" }],
    });
    expectCode(batch, 400, "KMS.0211");
    const del = await h.admin.request("DELETE", `${obsKey}/tags/k`);
    expectCode(del, 400, "KMS.0211");
  });
});
