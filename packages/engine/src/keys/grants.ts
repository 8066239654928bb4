import { ALIAS_PATTERN, type TCaller, type TOperation } from "@kms/domain";
import type { KeyRef } from "../api.js";
import { GRANTABLE_OPERATIONS, isAdmin } from "../authorize.js";
import { type EngineContext, runOperation } from "../context.js";
import { KmsError } from "../errors.js";
import type { GrantRecord } from "../ports.js";
import { keyOperation, resolveKey } from "./resolve.js";

export const MAX_GRANTS_PER_KEY = 100;
const PRINCIPAL_PATTERN = /^[a-zA-Z0-9]{1,64}$/;
const GRANT_ID_PATTERN = /^[a-fA-F0-9]{64}$/;

function checkPaging(offset: number, limit: number): void {
  if (!Number.isInteger(offset) || offset < 0) throw new KmsError("KMS.1602");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new KmsError("KMS.1601");
}

export interface CreateGrantInput {
  name: string;
  granteePrincipal: string;
  granteePrincipalType?: "user" | "domain";
  operations: TOperation[];
  retiringPrincipal?: string;
}

export function createGrant(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  input: CreateGrantInput,
): Promise<GrantRecord> {
  return keyOperation(ctx, caller, "create-grant", ref, async (key, scope) => {
    const ops = input.operations;
    if (!Array.isArray(ops) || ops.length === 0 || ops.some((op) => !GRANTABLE_OPERATIONS.includes(op))) {
      throw new KmsError("KMS.0308", "operations must be taken from the grantable operations");
    }
    if (ops.every((op) => op === "create-grant")) throw new KmsError("KMS.2401");
    if (typeof input.granteePrincipal !== "string" || !PRINCIPAL_PATTERN.test(input.granteePrincipal)) {
      throw new KmsError("KMS.2402");
    }
    const retiring = input.retiringPrincipal;
    if (retiring !== undefined && (typeof retiring !== "string" || !PRINCIPAL_PATTERN.test(retiring))) {
      throw new KmsError("KMS.2402", "invalid retiring_principal");
    }
    if (typeof input.name !== "string" || !ALIAS_PATTERN.test(input.name)) {
      throw new KmsError("KMS.0308", "invalid grant name");
    }
    const type = input.granteePrincipalType ?? "user";
    if (type !== "user" && type !== "domain")
      throw new KmsError("KMS.0308", "invalid grantee_principal_type");
    if (key.state === "pending_deletion") throw new KmsError("KMS.0210");

    const grant: GrantRecord = {
      id: ctx.random.bytes(32).toString("hex"),
      keyId: key.id,
      projectId: key.projectId,
      name: input.name,
      granteePrincipal: input.granteePrincipal,
      granteePrincipalType: type,
      operations: [...new Set(ops)],
      issuingPrincipal: caller.principal.id,
      retiringPrincipal: retiring ?? null,
      createdAt: ctx.clock.now(),
    };
    scope.details = {
      grantId: grant.id,
      grantee: grant.granteePrincipal,
      operations: grant.operations.join(","),
    };
    if ((await ctx.store.insertGrant(grant, MAX_GRANTS_PER_KEY)) === "too_many")
      throw new KmsError("KMS.2404");
    return grant;
  });
}

export function listGrants(ctx: EngineContext, caller: TCaller, ref: KeyRef, offset: number, limit: number) {
  return keyOperation(ctx, caller, "list-grants", ref, async (key) => {
    checkPaging(offset, limit);
    return ctx.store.listGrants(key.id, offset, limit);
  });
}

export function listRetirableGrants(ctx: EngineContext, caller: TCaller, offset: number, limit: number) {
  return runOperation(ctx, caller, "list-retirable-grants", async () => {
    checkPaging(offset, limit);
    return ctx.store.listRetirableGrants(caller.projectId, caller.principal.id, offset, limit);
  });
}

/** Finds the grant and checks it belongs to the key the caller named. */
async function grantOfKey(ctx: EngineContext, keyId: string, grantId: string): Promise<GrantRecord> {
  const grant = await ctx.store.getGrant(grantId.toLowerCase());
  if (!grant) throw new KmsError("KMS.2501");
  if (grant.keyId !== keyId) throw new KmsError("KMS.2502");
  return grant;
}

const checkGrantId = (grantId: string): void => {
  if (typeof grantId !== "string" || !GRANT_ID_PATTERN.test(grantId)) throw new KmsError("KMS.2501");
};

/** Revoking is the key administrator's act. */
export function revokeGrant(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  grantId: string,
): Promise<void> {
  return keyOperation(ctx, caller, "revoke-grant", ref, async (key, scope) => {
    checkGrantId(grantId);
    scope.details = { grantId: grantId.toLowerCase() };
    const grant = await grantOfKey(ctx, key.id, grantId);
    await ctx.store.deleteGrant(grant.id);
  });
}

/** Retiring is done by the grant's retiring principal or its grantee, whatever their role. */
export function retireGrant(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  grantId: string,
): Promise<void> {
  return runOperation(ctx, caller, "retire-grant", async (scope) => {
    const key = await resolveKey(ctx, caller, ref, scope);
    checkGrantId(grantId);
    scope.details = { grantId: grantId.toLowerCase() };
    const grant = await grantOfKey(ctx, key.id, grantId);
    const me = caller.principal.id;
    if (me !== grant.retiringPrincipal && me !== grant.granteePrincipal && !isAdmin(caller)) {
      throw new KmsError("KMS.0306");
    }
    await ctx.store.deleteGrant(grant.id);
  });
}
