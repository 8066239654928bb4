import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type SignedIn } from "../testing/harness.js";

type Method = "post" | "put" | "patch";

interface MutatingRoute {
  name: string;
  method: Method;
  path: (id: string) => string;
  body?: (h: Harness, id: string) => Promise<object> | object;
  /** Brings a fresh custom key into the state the route needs. */
  prepare?: (h: Harness, id: string) => Promise<void>;
  ok: number;
}

const MUTATIONS: MutatingRoute[] = [
  {
    name: "enable",
    method: "post",
    path: (id) => `/api/keys/${id}/enable`,
    prepare: async (h, id) => void (await h.t.kms.disableKey(h.t.admin, id)),
    ok: 200,
  },
  { name: "disable", method: "post", path: (id) => `/api/keys/${id}/disable`, ok: 200 },
  {
    name: "schedule-deletion",
    method: "post",
    path: (id) => `/api/keys/${id}/schedule-deletion`,
    body: () => ({ pendingDays: 7 }),
    ok: 200,
  },
  {
    name: "cancel-deletion",
    method: "post",
    path: (id) => `/api/keys/${id}/cancel-deletion`,
    prepare: async (h, id) => void (await h.t.kms.scheduleKeyDeletion(h.t.admin, id, 7)),
    ok: 200,
  },
  {
    name: "edit",
    method: "patch",
    path: (id) => `/api/keys/${id}`,
    body: () => ({ description: "changed" }),
    ok: 200,
  },
  {
    name: "tags",
    method: "put",
    path: (id) => `/api/keys/${id}/tags`,
    body: () => ({ tags: [{ key: "env", value: "prod" }] }),
    ok: 200,
  },
  {
    name: "rotation",
    method: "put",
    path: (id) => `/api/keys/${id}/rotation`,
    body: () => ({ enabled: true, intervalDays: 90 }),
    ok: 200,
  },
  { name: "rotate", method: "post", path: (id) => `/api/keys/${id}/rotate`, ok: 200 },
  {
    name: "encrypt",
    method: "post",
    path: (id) => `/api/keys/${id}/encrypt`,
    body: () => ({ plaintext: "hello" }),
    ok: 200,
  },
  {
    name: "decrypt",
    method: "post",
    path: (id) => `/api/keys/${id}/decrypt`,
    body: async (h, id) => {
      const out = await h.t.kms.encryptData(h.t.admin, { ref: id, plaintext: Buffer.from("hello") });
      return { ciphertext: out.ciphertext.toString("base64") };
    },
    ok: 200,
  },
];

describe("role matrix: every mutating route", () => {
  let h: Harness;
  let admin: SignedIn;
  let viewer: SignedIn;
  let defaultKey: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.login("admin");
    viewer = await h.login("viewer");
    defaultKey = await h.defaultKey();
  });

  const send = (
    who: SignedIn | undefined,
    route: MutatingRoute,
    id: string,
    body: object | undefined,
    csrf?: string,
  ) => {
    const url = `${route.path(id)}?projectId=${h.projectId}`;
    const client = who ? who.agent : request(h.app);
    let req = client[route.method](url);
    if (csrf !== undefined) req = req.set("X-CSRF-Token", csrf);
    return body ? req.send(body) : req;
  };

  for (const route of MUTATIONS) {
    describe(route.name, () => {
      it("when anonymous, then 401 CONSOLE.0401", async () => {
        const id = await h.customKey();
        const res = await send(undefined, route, id, await route.body?.(h, id), "x");
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("CONSOLE.0401");
      });

      it("when the X-CSRF-Token is missing or wrong, then 403 CONSOLE.0403", async () => {
        const id = await h.customKey();
        await route.prepare?.(h, id);
        const body = await route.body?.(h, id);
        for (const csrf of [undefined, "wrong", `${admin.csrf}x`, viewer.csrf]) {
          const res = await send(admin, route, id, body, csrf);
          expect(res.status).toBe(403);
          expect(res.body.error.code).toBe("CONSOLE.0403");
        }
      });

      it("when a viewer asks, then 403 KMS.0306 and the key is unchanged", async () => {
        const id = await h.customKey();
        await route.prepare?.(h, id);
        const before = await h.t.kms.describeKey(h.t.admin, id);
        const res = await send(viewer, route, id, await route.body?.(h, id), viewer.csrf);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe("KMS.0306");
        expect(await h.t.kms.describeKey(h.t.admin, id)).toEqual(before);
      });

      it("when an admin asks on a default key, then it is refused with KMS.0211 and says why", async () => {
        const res = await send(admin, route, defaultKey, await route.body?.(h, defaultKey), admin.csrf);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("KMS.0211");
        expect(res.body.error.message).toMatch(
          /^Default key of Object Storage Service: managed by the service; it cannot be /,
        );
      });

      it("when an admin asks on a custom key, then it is done", async () => {
        const id = await h.customKey();
        await route.prepare?.(h, id);
        const res = await send(admin, route, id, await route.body?.(h, id), admin.csrf);
        expect(res.status, JSON.stringify(res.body)).toBe(route.ok);
      });
    });
  }

  describe("create", () => {
    const url = () => `/api/keys?projectId=${h.projectId}`;
    it("anonymous 401, viewer 403, missing CSRF 403, admin 201", async () => {
      const body = { alias: "made-here", tags: [{ key: "team", value: "a" }] };
      expect((await request(h.app).post(url()).send(body)).status).toBe(401);
      const v = await viewer.agent.post(url()).set("X-CSRF-Token", viewer.csrf).send(body);
      expect([v.status, v.body.error.code]).toEqual([403, "KMS.0306"]);
      const noCsrf = await admin.agent.post(url()).send(body);
      expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, "CONSOLE.0403"]);
      const ok = await admin.agent.post(url()).set("X-CSRF-Token", admin.csrf).send(body).expect(201);
      expect(ok.body).toMatchObject({
        alias: "made-here",
        tags: [{ key: "team", value: "a" }],
        isDefault: false,
      });
    });
  });

  describe("the effects", () => {
    it("after disable, the detail offers enable; the tool answers no-store and round-trips", async () => {
      const id = await h.customKey();
      const q = `?projectId=${h.projectId}`;
      const enc = await admin.agent
        .post(`/api/keys/${id}/encrypt${q}`)
        .set("X-CSRF-Token", admin.csrf)
        .send({ plaintext: "secret text ✓" })
        .expect(200);
      expect(enc.headers["cache-control"]).toBe("no-store");
      const dec = await admin.agent
        .post(`/api/keys/${id}/decrypt${q}`)
        .set("X-CSRF-Token", admin.csrf)
        .send({ ciphertext: enc.body.ciphertext })
        .expect(200);
      expect(dec.body).toEqual({ keyId: id, plaintext: "secret text ✓" });
      expect(dec.headers["cache-control"]).toBe("no-store");
      const disabled = await admin.agent
        .post(`/api/keys/${id}/disable${q}`)
        .set("X-CSRF-Token", admin.csrf)
        .expect(200);
      expect(disabled.body.state).toBe("disabled");
      expect(disabled.body.allowedActions).toEqual(["enable", "schedule-deletion", "edit", "tags"]);
    });

    it("PUT tags replaces the set: dropped keys go, changed values change", async () => {
      const id = await h.customKey();
      await h.t.kms.addTags(h.t.admin, id, [
        { key: "a", value: "1" },
        { key: "b", value: "2" },
      ]);
      const res = await admin.agent
        .put(`/api/keys/${id}/tags?projectId=${h.projectId}`)
        .set("X-CSRF-Token", admin.csrf)
        .send({
          tags: [
            { key: "b", value: "3" },
            { key: "c", value: "4" },
          ],
        })
        .expect(200);
      expect([...res.body.tags].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: "b", value: "3" },
        { key: "c", value: "4" },
      ]);
    });
  });
});
