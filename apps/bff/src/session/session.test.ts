import request from "supertest";
import { describe, expect, it } from "vitest";
import { createHarness } from "../testing/harness.js";
import { hashToken } from "./sessions.js";

describe("sign-in", () => {
  it("when the password is right, then an httpOnly SameSite=Strict cookie and a CSRF token come back", async () => {
    const h = await createHarness();
    const res = await request(h.app)
      .post("/api/session")
      .send({ username: "admin", password: h.t.provisioned.users.admin.password })
      .expect(201);
    const cookie = (res.headers["set-cookie"] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^kms_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");
    expect(res.body).toMatchObject({ username: "admin", projectId: h.projectId });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.projects).toEqual([
      { id: h.projectId, name: "test", region: "eu-west-101", role: "admin", demo: false },
    ]);
  });

  it("when the database is read, then it holds the token's SHA-256, not the token", async () => {
    const h = await createHarness();
    const { cookie } = await h.login("viewer");
    const token = /kms_session=([^;]+)/.exec(cookie)![1]!;
    expect(await h.sessions.getSession(token, h.t.clock.now())).toBeUndefined();
    const stored = await h.sessions.getSession(hashToken(token), h.t.clock.now());
    expect(stored).toMatchObject({ username: "viewer" });
  });

  it("when secure cookies are configured, then the cookie is Secure and __Host- prefixed", async () => {
    const h = await createHarness({ secureCookies: true });
    const res = await request(h.app)
      .post("/api/session")
      .send({ username: "admin", password: h.t.provisioned.users.admin.password })
      .expect(201);
    const cookie = (res.headers["set-cookie"] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^__Host-kms_session=/);
    expect(cookie).toContain("Secure");
  });

  it("when the password is wrong or the user unknown, then 401 CONSOLE.0402 and no cookie", async () => {
    const h = await createHarness();
    for (const body of [
      { username: "admin", password: "wrong" },
      { username: "nobody", password: "x" },
    ]) {
      const res = await request(h.app).post("/api/session").send(body).expect(401);
      expect(res.body.error.code).toBe("CONSOLE.0402");
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("an unknown username takes as long to refuse as a wrong password, so timing tells no names", async () => {
    const h = await createHarness();
    const median = async (username: string): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await request(h.app).post("/api/session").send({ username, password: "wrong" }).expect(401);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    await median("admin"); // warm up
    const [known, unknown] = [await median("admin"), await median("nobody")];
    // Before the dummy hash the ratio was about 0.05 (3 ms against 65 ms of scrypt).
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });

  it("when sign-in is tried too often, then 429 CONSOLE.0429", async () => {
    const h = await createHarness({ loginRateLimit: { windowMs: 60_000, limit: 3 } });
    for (let i = 0; i < 3; i++) {
      await request(h.app).post("/api/session").send({ username: "admin", password: "wrong" }).expect(401);
    }
    const res = await request(h.app)
      .post("/api/session")
      .send({ username: "admin", password: h.t.provisioned.users.admin.password })
      .expect(429);
    expect(res.body.error.code).toBe("CONSOLE.0429");
  });

  it("GET /api/session tells who is signed in and repeats the CSRF token", async () => {
    const h = await createHarness();
    const s = await h.login("viewer");
    const res = await s.agent.get("/api/session").expect(200);
    expect(res.body).toMatchObject({ username: "viewer", csrfToken: s.csrf });
    expect(res.body.projects.map((p: { role: string }) => p.role)).toEqual(["viewer"]);
    const anon = await request(h.app).get("/api/session").expect(401);
    expect(anon.body.error.code).toBe("CONSOLE.0401");
  });

  it("flags a project demo only when it was seeded with demo data", async () => {
    const plain = await createHarness();
    const p = await plain.login("viewer");
    expect((await p.agent.get("/api/session").expect(200)).body.projects[0].demo).toBe(false);

    const asked: string[] = [];
    const h = await createHarness({
      isDemoProject: (id) => {
        asked.push(id);
        return true;
      },
    });
    const login = await request(h.app)
      .post("/api/session")
      .send({ username: "admin", password: h.t.provisioned.users.admin.password })
      .expect(201);
    expect(login.body.projects[0].demo).toBe(true);
    const s = await h.login("viewer");
    expect((await s.agent.get("/api/session").expect(200)).body.projects[0].demo).toBe(true);
    expect(new Set(asked)).toEqual(new Set([h.projectId]));
  });

  it("when the session is 12 hours old, then it no longer works", async () => {
    const h = await createHarness();
    const s = await h.login("admin");
    h.t.clock.advance(12 * 3600_000 + 1000);
    await s.agent.get("/api/session").expect(401);
  });

  it("sign-out needs the CSRF token, then deletes the session", async () => {
    const h = await createHarness();
    const s = await h.login("admin");
    const refused = await s.agent.delete("/api/session").expect(403);
    expect(refused.body.error.code).toBe("CONSOLE.0403");
    await s.agent.get("/api/session").expect(200);
    await s.agent.delete("/api/session").set("X-CSRF-Token", s.csrf).expect(204);
    await s.agent.get("/api/session").expect(401);
  });
});
