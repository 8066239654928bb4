import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startHarness } from "../testing/harness.js";

let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function createKey(alias: string): Promise<string> {
  const res = await h.admin.call<{ key_info: { key_id: string } }>("create-key", { key_alias: alias });
  return res.body.key_info.key_id;
}

function expectCode(res: { status: number; body: unknown }, status: number, code: string) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error_code: code } });
}

describe("rotation", () => {
  it("enables, reports, changes the interval of and disables rotation", async () => {
    const id = await createKey("rotating");
    const enabled = await h.admin.call("enable-key-rotation", { key_id: id });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toBeUndefined();
    // The official Node client sends rotation_interval as a JSON number.
    expect(
      (await h.admin.call("update-key-rotation-interval", { key_id: id, rotation_interval: 90 })).status,
    ).toBe(200);
    const status = await h.admin.call("get-key-rotation-status", { key_id: id });
    expect(status.body).toEqual({
      key_rotation_enabled: true,
      rotation_interval: 90,
      last_rotation_time: "",
      number_of_rotations: 0,
    });
    const described = await h.admin.call<{ key_info: Record<string, string> }>("describe-key", {
      key_id: id,
    });
    expect(described.body.key_info.key_rotation_enabled).toBe("true");
    expect(
      (await h.admin.call("update-key-rotation-interval", { key_id: id, rotation_interval: "366" })).body,
    ).toMatchObject({ error_code: "KMS.3001" });
    expect((await h.admin.call("disable-key-rotation", { key_id: id })).status).toBe(200);
    const off = await h.admin.call("get-key-rotation-status", { key_id: id });
    expect(off.body?.key_rotation_enabled).toBe(false);
  });
});

describe("tags", () => {
  it("adds (204), lists with existTagsNum, batch-deletes and deletes tags", async () => {
    const id = await createKey("tagged");
    const add = await h.admin.request("POST", `${id}/tags`, { tag: { key: "env", value: "prod" } });
    expect(add.status).toBe(204);
    const batch = await h.admin.request("POST", `${id}/tags/action`, {
      action: "create",
      tags: [
        { key: "team", value: "storage" },
        { key: "cost center", value: "" },
      ],
    });
    expect(batch.status).toBe(204);
    const listed = await h.admin.request<{
      tags: Array<{ key: string; value: string }>;
      existTagsNum: number;
    }>("GET", `${id}/tags`);
    expect(listed.body.existTagsNum).toBe(3);
    expect(listed.body.tags).toEqual(
      expect.arrayContaining([
        { key: "env", value: "prod" },
        { key: "team", value: "storage" },
        { key: "cost center", value: "" },
      ]),
    );
    const project = await h.admin.request("GET", "tags");
    expect(project.body).toEqual({ tags: expect.arrayContaining([{ key: "env", values: ["prod"] }]) });

    const byTag = await h.admin.request<Record<string, unknown>>("POST", "resource_instances/action", {
      action: "filter",
      tags: [{ key: "env", values: ["prod"] }],
    });
    expect(byTag.body).toMatchObject({
      total_count: 1,
      resources: [
        { resource_id: id, resource_name: "tagged", resource_detail: { key_id: id, key_state: "2" } },
      ],
    });
    const count = await h.admin.request("POST", "resource_instances/action", {
      action: "count",
      tags: [{ key: "env", values: ["prod"] }],
    });
    expect(count.body).toEqual({ total_count: 1 });

    expect((await h.admin.request("DELETE", `${id}/tags/${encodeURIComponent("cost center")}`)).status).toBe(
      204,
    );
    const del = await h.admin.request("POST", `${id}/tags/action`, {
      action: "delete",
      tags: [{ key: "team" }],
    });
    expect(del.status).toBe(204);
    const after = await h.admin.request<{ existTagsNum: number }>("GET", `${id}/tags`);
    expect(after.body).toEqual({ tags: [{ key: "env", value: "prod" }], existTagsNum: 1 });
  });

  it("checks tags, actions and key IDs in the path with Huawei's codes", async () => {
    const id = await createKey("tag-checks");
    expectCode(
      await h.admin.request("POST", `${id}/tags`, { tag: { key: "a=b", value: "x" } }),
      400,
      "KMS.0406",
    );
    expectCode(
      await h.admin.request("POST", `${id}/tags`, { tag: { key: "a", value: "x".repeat(44) } }),
      400,
      "KMS.0405",
    );
    expectCode(
      await h.admin.request("POST", `${id}/tags/action`, { action: "merge", tags: [{ key: "a" }] }),
      400,
      "KMS.0404",
    );
    expectCode(
      await h.admin.request("POST", `${id}/tags/action`, { action: "create", tags: [] }),
      400,
      "KMS.0401",
    );
    expectCode(
      await h.admin.request("POST", "not-a-key/tags", { tag: { key: "a", value: "b" } }),
      400,
      "KMS.0205",
    );
    expectCode(await h.admin.request("GET", "0d0466b0-e727-4d9c-b35d-f84bb474a37f/tags"), 404, "KMS.0207");
  });
});

describe("grants", () => {
  it("creates, lists, enforces and revokes a grant", async () => {
    const id = await createKey("granted");
    const obs = h.t.provisioned.services.obs;
    const denied = await h.service("obs").call("encrypt-data", { key_id: id, plain_text: "x" });
    expect(denied.status).toBe(403);

    const created = await h.admin.call<{ grant_id: string }>("create-grant", {
      key_id: id,
      grantee_principal: obs.principalId,
      operations: ["encrypt-data", "describe-key"],
      name: "obs-may-encrypt",
    });
    expect(created.status).toBe(200);
    expect(created.body.grant_id).toMatch(/^[0-9a-f]{64}$/);

    const allowed = await h.service("obs").call("encrypt-data", { key_id: id, plain_text: "x" });
    expect(allowed.status).toBe(200);
    expect(
      (await h.service("obs").call("decrypt-data", { cipher_text: allowed.body.cipher_text })).status,
    ).toBe(403);

    const listed = await h.admin.call<Record<string, unknown>>("list-grants", { key_id: id });
    expect(listed.body).toMatchObject({
      grants: [
        {
          key_id: id,
          grant_id: created.body.grant_id,
          grantee_principal: obs.principalId,
          grantee_principal_type: "user",
          operations: ["encrypt-data", "describe-key"],
          name: "obs-may-encrypt",
        },
      ],
      next_marker: "",
      truncated: "false",
      total: 1,
    });
    const grant = (listed.body.grants as Array<Record<string, unknown>>)[0]!;
    expect(grant.creation_date).toMatch(/^\d{13}$/);

    expect((await h.admin.call("revoke-grant", { key_id: id, grant_id: created.body.grant_id })).status).toBe(
      200,
    );
    expect((await h.service("obs").call("encrypt-data", { key_id: id, plain_text: "x" })).status).toBe(403);
  });

  it("lets the retiring principal list and retire its grants", async () => {
    const id = await createKey("retirable");
    const evs = h.t.provisioned.services.evs;
    const created = await h.admin.call<{ grant_id: string }>("create-grant", {
      key_id: id,
      grantee_principal: h.t.provisioned.services.obs.principalId,
      operations: ["encrypt-data"],
      retiring_principal: evs.principalId,
    });
    const retirable = await h
      .service("evs")
      .call<{ grants: Array<{ grant_id: string }>; total: number }>("list-retirable-grants", { limit: "10" });
    expect(retirable.body.grants.map((g) => g.grant_id)).toContain(created.body.grant_id);
    expect(
      (await h.service("evs").call("retire-grant", { key_id: id, grant_id: created.body.grant_id })).status,
    ).toBe(200);
  });

  it("checks grant input with Huawei's codes", async () => {
    const id = await createKey("grant-checks");
    expectCode(
      await h.admin.call("create-grant", {
        key_id: id,
        grantee_principal: "someone",
        operations: ["create-grant"],
      }),
      400,
      "KMS.2401",
    );
    expectCode(
      await h.admin.call("create-grant", {
        key_id: id,
        grantee_principal: "bad principal!",
        operations: ["encrypt-data"],
      }),
      400,
      "KMS.2402",
    );
    expectCode(await h.admin.call("revoke-grant", { key_id: id, grant_id: "xyz" }), 400, "KMS.2501");
  });
});
