import { existsSync } from "node:fs";
import path from "node:path";
import {
  type CredentialsFile,
  createSignedClient,
  type KmsResponse,
  readCredentials,
  type SignedClient,
} from "@kms/api";
import type { TServiceCode } from "@kms/domain";

/**
 * What every simulator needs: the data directory (credentials.json, the local "buckets") and a
 * signed client per principal. Each cloud service signs with its own service principal.
 */
export interface SimContext {
  dataDir: string;
  credentials: CredentialsFile;
  endpoint: string;
  /** A client signing as the service principal of `service`. */
  service(service: TServiceCode): SignedClient;
  admin: SignedClient;
}

export interface SimContextOptions {
  dataDir: string;
  /** Overrides credentials.json's kms.endpoint. */
  endpoint?: string;
  /** The signing time (the demo seed signs at its movable clock). */
  now?: () => Date;
}

/** KMS_DATA_DIR or ./.data, relative to where pnpm was invoked (INIT_CWD), as apps/kms resolves it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD || process.cwd(), env.KMS_DATA_DIR || ".data");
}

export class SimError extends Error {
  override name = "SimError";
}

export function loadContext(opts: SimContextOptions): SimContext {
  const file = path.join(opts.dataDir, "credentials.json");
  if (!existsSync(file)) {
    throw new SimError(`${file} does not exist: start the KMS first (pnpm start) or pass --data-dir`);
  }
  const credentials = readCredentials(file);
  const endpoint = (opts.endpoint ?? credentials.kms.endpoint).replace(/\/+$/, "");
  const client = (c: { ak: string; sk: string }) =>
    createSignedClient({ endpoint, projectId: credentials.projectId, ak: c.ak, sk: c.sk, now: opts.now });
  const clients = new Map<TServiceCode, SignedClient>();
  return {
    dataDir: opts.dataDir,
    credentials,
    endpoint,
    admin: client(credentials.users.admin),
    service(service) {
      let c = clients.get(service);
      if (!c) {
        const creds = credentials.services[service];
        if (!creds) throw new SimError(`credentials.json has no service principal for ${service}`);
        c = client(creds);
        clients.set(service, c);
      }
      return c;
    },
  };
}

/** A refusal or failure answered by the KMS, with its Huawei error code. */
export class KmsCallError extends Error {
  override name = "KmsCallError";
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type ErrorBody = { error_code?: string; error_msg?: string };

/** Calls an operation and returns its body, or throws KmsCallError with the KMS's code. */
export async function call<T = Record<string, unknown>>(
  client: SignedClient,
  operation: string,
  body?: unknown,
): Promise<T> {
  let res: KmsResponse<T & ErrorBody>;
  try {
    res = await client.call<T & ErrorBody>(operation, body);
  } catch (e) {
    const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new KmsCallError(operation, 0, "NETWORK", `${operation}: the KMS is not reachable (${reason})`);
  }
  if (res.status >= 200 && res.status < 300) return res.body;
  const code = res.body?.error_code ?? `HTTP.${res.status}`;
  const msg = res.body?.error_msg ?? "";
  throw new KmsCallError(operation, res.status, code, `${operation} refused: ${code}${msg ? ` ${msg}` : ""}`);
}
