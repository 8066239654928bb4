import { randomBytes } from "node:crypto";
import { createKms, createReports, createRootKey, systemClock, systemRandom } from "@kms/engine";
import { openPostgresStore } from "@kms/store";
import {
  createTestDatabase,
  postgresRequired,
  postgresUnreachable,
  type TestDatabase,
} from "@kms/store/testing";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";

const reason = await postgresUnreachable();
const required = postgresRequired();
if (reason && !required) console.warn(`Skipping the two-instance PostgreSQL test: ${reason}`);

describe.skipIf(reason !== undefined && !required)("two BFF instances on one PostgreSQL database", () => {
  const rootKey = createRootKey(randomBytes(32));
  const closers: Array<() => Promise<void>> = [];

  async function instance(url: string) {
    const store = await openPostgresStore(url, { maxConnections: 4 });
    await store.migrate();
    const engine = createKms({ store, clock: systemClock, random: systemRandom, rootKey });
    closers.push(async () => {
      await engine.close();
      await store.close();
    });
    return { store, engine };
  }

  let a: ReturnType<typeof createApp>;
  let b: ReturnType<typeof createApp>;
  let password: string;
  let projectId: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    if (reason) throw new Error(reason); // only reached with KMS_REQUIRE_POSTGRES=1
    database = await createTestDatabase("kms_bff_test");
    const one = await instance(database.url);
    const two = await instance(database.url);
    const p = await one.engine.provisionProject({ name: "pg", region: "local-1" });
    password = p.users.admin.password;
    projectId = p.project.id;
    const make = (x: typeof one) =>
      createApp({
        engine: x.engine,
        reports: createReports({ store: x.store, clock: systemClock, pricing: x.engine.pricing }),
        sessions: x.store,
        clock: systemClock,
        domainId: p.project.domainId,
      });
    a = make(one);
    b = make(two);
  });

  afterAll(async () => {
    for (const close of closers) await close().catch(() => {});
    await database?.drop();
  });

  it("a key created through one is listed by the other at once; a session from one works on the other", async () => {
    const agentA = request.agent(a);
    const login = await agentA.post("/api/session").send({ username: "admin", password }).expect(201);
    const created = await agentA
      .post(`/api/keys?projectId=${projectId}`)
      .set("X-CSRF-Token", login.body.csrfToken)
      .send({ alias: "made-on-a", description: "<script>x</script>" })
      .expect(201);

    const agentB = request.agent(b);
    await agentB.post("/api/session").send({ username: "admin", password }).expect(201);
    const list = await agentB.get(`/api/keys?projectId=${projectId}&q=made-on`).expect(200);
    expect(list.body.items.map((k: { id: string }) => k.id)).toEqual([created.body.id]);
    expect(list.body.items[0].alias).toBe("made-on-a");

    // The session lives in the database: A's cookie works on B, and signing out on B ends it on A.
    const cookie = (login.headers["set-cookie"] as unknown as string[])[0]!.split(";")[0]!;
    await request(b).get("/api/session").set("Cookie", cookie).expect(200);
    await request(b)
      .delete("/api/session")
      .set("Cookie", cookie)
      .set("X-CSRF-Token", login.body.csrfToken)
      .expect(204);
    await agentA.get("/api/session").expect(401);
  });
});
