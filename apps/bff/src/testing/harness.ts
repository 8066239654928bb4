import type { TRole } from "@kms/domain";
import { createReports, type KmsReports, type SessionStore } from "@kms/engine";
import { createTestEngine, type TestEngine } from "@kms/engine/testing";
import type { Express } from "express";
import request from "supertest";
import { type CreateAppOptions, createApp } from "../app.js";

export interface SignedIn {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  /** The raw cookie header value the server set. */
  cookie: string;
}

export interface Harness {
  t: TestEngine;
  app: Express;
  projectId: string;
  reports: KmsReports;
  sessions: SessionStore;
  login(role: TRole): Promise<SignedIn>;
  /** A fresh enabled AES_256 custom key. */
  customKey(alias?: string): Promise<string>;
  /** The Object Storage Service default key (created by the service's first use). */
  defaultKey(): Promise<string>;
}

let aliasCounter = 0;

/** The real app over the in-memory store, a manual clock and one provisioned project. */
export async function createHarness(overrides: Partial<CreateAppOptions> = {}): Promise<Harness> {
  const t = await createTestEngine();
  // The in-memory store implements the report and session ports too.
  const store = t.store as unknown as Parameters<typeof createReports>[0]["store"] & SessionStore;
  const reports = createReports({ store, clock: t.clock, pricing: t.kms.pricing });
  const app = createApp({
    engine: t.kms,
    reports,
    sessions: store,
    clock: t.clock,
    domainId: t.provisioned.project.domainId,
    loginRateLimit: { windowMs: 60_000, limit: 10_000 },
    ...overrides,
  });
  const projectId = t.provisioned.project.id;
  return {
    t,
    app,
    projectId,
    reports,
    sessions: store,
    async login(role) {
      const agent = request.agent(app);
      const res = await agent
        .post("/api/session")
        .send({ username: role, password: t.provisioned.users[role].password })
        .expect(201);
      const setCookie = res.headers["set-cookie"] as unknown as string[];
      return { agent, csrf: res.body.csrfToken as string, cookie: setCookie[0] ?? "" };
    },
    async customKey(alias) {
      const key = await t.kms.createKey(t.admin, { alias: alias ?? `key-${++aliasCounter}` });
      return key.id;
    },
    async defaultKey() {
      const obs = t.service("obs");
      const out = await t.kms.encryptData(obs, { ref: "obs/default", plaintext: Buffer.from("x") });
      return out.keyId;
    },
  };
}
