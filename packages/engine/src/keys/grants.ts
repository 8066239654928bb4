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
    const operations = [...new Set(ops)];
    // An administrator issues any grant; anyone else only passes on what a grant of its own holds.
    const parent = isAdmin(caller) ? null : await parentGrant(ctx, key.id, caller.principal.id, operations);

    const grant: GrantRecord = {
      id: ctx.random.bytes(32).toString("hex"),
      keyId: key.id,
      projectId: key.projectId,
      name: input.name,
      granteePrincipal: input.granteePrincipal,
      granteePrincipalType: type,
      operations,
      issuingPrincipal: caller.principal.id,
      retiringPrincipal: retiring ?? null,
      createdAt: ctx.clock.now(),
      parentGrantId: parent?.id ?? null,
    };
    scope.details = {
      grantId: grant.id,
      grantee: grant.granteePrincipal,
      operations: grant.operations.join(","),
      issuer: grant.issuingPrincipal,
      ...(parent ? { parentGrantId: parent.id } : {}),
    };
    const inserted = await ctx.store.insertGrant(grant, MAX_GRANTS_PER_KEY);
    if (inserted === "too_many") throw new KmsError("KMS.2404");
    if (inserted === "parent_revoked")
      throw new KmsError("KMS.0306", "The grant this one derives from was revoked.");
    return grant;
  });
}

/**
 * The grant a grantee-issued grant derives from: one of the issuer's own grants on the key that
 * holds create-grant and every operation asked for. One grant, not the union of several, so that
 * revoking it revokes exactly what it passed on (stricter than AWS KMS, which checks the union).
 */
async function parentGrant(
  ctx: EngineContext,
  keyId: string,
  issuer: string,
  operations: readonly TOperation[],
): Promise<GrantRecord> {
  const { items } = await ctx.store.listGrants(keyId, 0, MAX_GRANTS_PER_KEY);
  const parent = items.find(
    (g) =>
      g.granteePrincipal === issuer &&
      g.operations.includes("create-grant") &&
      operations.every((op) => g.operations.includes(op)),
  );
  if (!parent) {
    throw new KmsError(
      "KMS.0306",
      "A grant may hold only operations that one grant of the issuer on this key holds, with create-grant.",
    );
  }
  return parent;
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
    scope.details = revokedDetails(grant.id, await ctx.store.deleteGrant(grant.id));
  });
}

/** Audit details of a revocation: the grant and the derived grants revoked with it. */
function revokedDetails(grantId: string, deleted: readonly string[]): Record<string, string> {
  const derived = deleted.filter((id) => id !== grantId);
  return { grantId, ...(derived.length > 0 ? { derivedGrantsRevoked: derived.join(",") } : {}) };
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
    scope.details = revokedDetails(grant.id, await ctx.store.deleteGrant(grant.id));
  });
}
