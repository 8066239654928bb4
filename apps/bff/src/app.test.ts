import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { CSP_NONCE_PLACEHOLDER } from "./app.js";
import { createHarness } from "./testing/harness.js";

describe("the app", () => {
  it("answers /api/health with helmet's headers and a strict CSP", async () => {
    const h = await createHarness();
    const res = await request(h.app).get("/api/health").expect(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const h = await createHarness();
    const res = await request(h.app).get("/api/openapi.json").expect(200);
    expect(res.body.openapi).toBe("3.1.0");
    const list = res.body.paths["/api/keys"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["projectId", "q", "state", "sort", "cursor", "limit"]),
    );
    const detail = res.body.paths["/api/keys/{id}"].get.responses["200"].content["application/json"].schema;
    expect(detail.properties.allowedActions.items.enum).toContain("rotate");
    const schedule =
      res.body.paths["/api/keys/{id}/schedule-deletion"].post.requestBody.content["application/json"].schema;
    expect(schedule.properties.pendingDays).toMatchObject({ minimum: 7, maximum: 1096 });
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/session",
        "/api/usage",
        "/api/billing",
        "/api/audit",
        "/api/events",
        "/api/keys.csv",
      ]),
    );
  });

  it("answers unknown /api paths and malformed JSON with the error body", async () => {
    const h = await createHarness();
    const nf = await request(h.app).get("/api/nope").expect(404);
    expect(nf.body.error.code).toBe("CONSOLE.0404");
    const bad = await request(h.app)
      .post("/api/session")
      .set("Content-Type", "application/json")
      .send("{not json")
      .expect(400);
    expect(bad.body.error.code).toBe("KMS.0202");
    const form = await request(h.app)
      .post("/api/session")
      .type("form")
      .send("username=a&password=b")
      .expect(400);
    expect(form.body.error.code).toBe("KMS.0202");
  });

  it("serves the console with an SPA fallback that never shadows /api", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "console-"));
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>console</title>");
    const h = await createHarness({ staticDir: dir });
    expect((await request(h.app).get("/").expect(200)).text).toContain("console");
    expect((await request(h.app).get("/keys/abc/usage").expect(200)).text).toContain("console");
    const api = await request(h.app).get("/api/keys/x/unknown").expect(404);
    expect(api.body.error.code).toBe("CONSOLE.0404");
  });

  it("gives each console page a fresh style nonce, in its CSP and in the page", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "console-"));
    writeFileSync(
      path.join(dir, "index.html"),
      `<!doctype html><meta property="csp-nonce" nonce="${CSP_NONCE_PLACEHOLDER}"><title>console</title>`,
    );
    const h = await createHarness({ staticDir: dir });
    const nonces = [];
    for (const url of ["/", "/keys", "/index.html"]) {
      const res = await request(h.app).get(url).expect(200);
      expect(res.text, url).not.toContain(CSP_NONCE_PLACEHOLDER);
      const inPage = /nonce="([^"]+)"/.exec(res.text)?.[1];
      const styleSrc = /style-src ([^;]+)/.exec(res.headers["content-security-policy"] ?? "")?.[1];
      expect(inPage).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(styleSrc).toBe(`'self' 'nonce-${inPage}'`);
      expect(res.headers["cache-control"]).toBe("no-store");
      nonces.push(inPage);
    }
    expect(new Set(nonces).size).toBe(3);
  });
});
