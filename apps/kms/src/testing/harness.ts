import type { TServiceCode } from "@kms/domain";
import { createTestEngine, type TestEngine } from "@kms/engine/testing";
import type { FastifyInstance } from "fastify";
import { createKmsApi, type KmsApiOptions } from "../app.js";
import { createSignedClient, type SignedClient } from "./signed-client.js";

/** A KMS API over the in-memory engine, listening on a free port, with signed clients per principal. */
export interface ApiHarness {
  t: TestEngine;
  app: FastifyInstance;
  endpoint: string;
  projectId: string;
  admin: SignedClient;
  viewer: SignedClient;
  service(code: TServiceCode): SignedClient;
  /** A client with any credentials and project, signing at the engine's clock unless told otherwise. */
  client(opts: { ak: string; sk: string; projectId?: string; now?: () => Date }): SignedClient;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<KmsApiOptions> = {}): Promise<ApiHarness> {
  const t = await createTestEngine();
  const app = createKmsApi({ engine: t.kms, clock: t.clock, ...options });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const endpoint = address.replace("localhost", "127.0.0.1");
  const projectId = t.provisioned.project.id;
  const client: ApiHarness["client"] = (o) =>
    createSignedClient({
      endpoint,
      projectId: o.projectId ?? projectId,
      ak: o.ak,
      sk: o.sk,
      now: o.now ?? (() => t.clock.now()),
    });
  const { users, services } = t.provisioned;
  return {
    t,
    app,
    endpoint,
    projectId,
    admin: client(users.admin),
    viewer: client(users.viewer),
    service: (code) => client(services[code]),
    client,
    async close() {
      await app.close();
      await t.kms.close();
    },
  };
}
