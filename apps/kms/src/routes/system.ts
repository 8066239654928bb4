import type { FastifyInstance } from "fastify";

const VERSION = {
  id: "v1.0",
  links: [{ href: "/v1.0/", rel: "self" }],
  version: "",
  status: "CURRENT",
  updated: "2026-01-01T00:00:00Z",
  min_version: "",
};

/** Unauthenticated routes: Huawei's version list, a health check, and a no-op benchmark probe. */
export async function systemRoutes(app: FastifyInstance) {
  app.get("/", async () => ({ versions: [VERSION] }));
  app.get("/v1.0", async () => ({ version: VERSION }));
  app.get("/health", async () => ({ status: "ok" }));
  // Health/benchmark probe: the framework's own cost, with nothing of the KMS behind it.
  app.get("/v1.0/noop", (_req, reply) => {
    reply.code(204).send();
  });
}
