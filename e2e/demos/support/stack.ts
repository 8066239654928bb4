import { readFileSync } from "node:fs";
import path from "node:path";
import { type CredentialsFile, createSignedClient, type KmsResponse, type SignedClient } from "@kms/api";
import { loadContext, type SimContext } from "@kms/cloud-sim";
import { DATA_DIR_POINTER, KMS_PORT } from "./ports.js";

type ServiceCode = keyof CredentialsFile["services"];

/** The running stack as a cloud service or an API user sees it: credentials and signed clients. */
export interface Stack {
  dataDir: string;
  credentials: CredentialsFile;
  projectId: string;
  /** A client signing as the service principal of `service` (what OBS, SFS… use). */
  service(service: ServiceCode): SignedClient;
  /** A client signing with the admin user's AK/SK. */
  admin: SignedClient;
  /** The cloud-service simulators' context (packages/cloud-sim): OBS, EVS, SFS… as real KMS clients. */
  sim: SimContext;
}

export function openStack(): Stack {
  const dataDir = readFileSync(DATA_DIR_POINTER, "utf8").trim();
  const credentials = JSON.parse(
    readFileSync(path.join(dataDir, "credentials.json"), "utf8"),
  ) as CredentialsFile;
  const endpoint = `http://127.0.0.1:${KMS_PORT}`;
  const client = (c: { ak: string; sk: string }) =>
    createSignedClient({ endpoint, projectId: credentials.projectId, ak: c.ak, sk: c.sk });
  return {
    dataDir,
    credentials,
    projectId: credentials.projectId,
    admin: client(credentials.users.admin),
    sim: loadContext({ dataDir, endpoint }),
    service(service) {
      const c = credentials.services[service];
      if (!c) throw new Error(`credentials.json has no service principal for ${service}`);
      return client(c);
    },
  };
}

/**
 * What a cloud service does on its first use of server-side encryption: ask for a data key under
 * its default key ("obs/default"), which the KMS creates on that first call. Returns the key ID.
 */
export async function firstUse(stack: Stack, service: ServiceCode): Promise<string> {
  const res = await stack
    .service(service)
    .call<{ key_id: string }>("create-datakey", { key_id: `${service}/default`, datakey_length: "256" });
  if (res.status !== 200)
    throw new Error(`create-datakey as ${service}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key_id;
}

export type { KmsResponse };
