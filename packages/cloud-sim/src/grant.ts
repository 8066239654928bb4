import path from "node:path";
import type { TOperation, TServiceCode } from "@kms/domain";
import { openStore } from "@kms/store";
import { call, type SimContext, SimError } from "./context.js";

/** What a cloud service needs on a customer's key to encrypt with it. */
export const SERVICE_GRANT_OPERATIONS: readonly TOperation[] = [
  "create-datakey",
  "decrypt-datakey",
  "encrypt-datakey",
  "describe-key",
];

/**
 * The principal ID of a service, which create-grant takes as grantee_principal. credentials.json
 * carries only AK/SK; the identity directory (here, the KMS's store, as IAM would be in a cloud)
 * maps the access key to its principal. This reads it and writes nothing.
 */
export async function servicePrincipalId(
  ctx: SimContext,
  service: TServiceCode,
  opts: { databaseUrl?: string } = {},
): Promise<string> {
  const creds = ctx.credentials.services[service] as { ak: string; principalId?: string } | undefined;
  if (!creds) throw new SimError(`credentials.json has no service principal for ${service}`);
  if (creds.principalId) return creds.principalId;
  const store = await openStore({
    databaseUrl: opts.databaseUrl ?? process.env.KMS_DATABASE_URL,
    sqliteFile: path.join(ctx.dataDir, "kms.sqlite"),
  });
  try {
    const found = await store.getCredential(creds.ak);
    if (!found) throw new SimError(`the KMS does not know ${service}'s access key (another data directory?)`);
    return found.principal.id;
  } finally {
    await store.close();
  }
}

/** The admin grants a service the use of a custom key (create-grant over the API, signed as admin). */
export async function grantService(
  ctx: SimContext,
  service: TServiceCode,
  keyId: string,
  opts: { databaseUrl?: string } = {},
): Promise<{ grantId: string; granteePrincipal: string; operations: readonly TOperation[] }> {
  const granteePrincipal = await servicePrincipalId(ctx, service, opts);
  const r = await call<{ grant_id: string }>(ctx.admin, "create-grant", {
    key_id: keyId,
    grantee_principal: granteePrincipal,
    grantee_principal_type: "user",
    name: `${service}-service`,
    operations: SERVICE_GRANT_OPERATIONS,
  });
  return { grantId: r.grant_id, granteePrincipal, operations: SERVICE_GRANT_OPERATIONS };
}
