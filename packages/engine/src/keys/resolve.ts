import {
  catalogEntryForAlias,
  type TCaller,
  type TDefaultKeyCatalogEntry,
  type TKey,
  type TOperation,
  ZKeyId,
} from "@kms/domain";
import type { KeyRef } from "../api.js";
import { authorize, refuseDefaultKeyMutation } from "../authorize.js";
import { auditEvent, type CallScope, type EngineContext, runOperation } from "../context.js";
import { generateMaterial } from "../crypto/material.js";
import { KmsError } from "../errors.js";
import type { KeyVersionRecord } from "../ports.js";

type ParsedRef = { kind: "id"; keyId: string } | { kind: "default"; entry: TDefaultKeyCatalogEntry };

export function parseKeyRef(ref: KeyRef): ParsedRef {
  if (typeof ref === "string") {
    if (ZKeyId.safeParse(ref).success) return { kind: "id", keyId: ref };
    const entry = catalogEntryForAlias(ref);
    if (entry) return { kind: "default", entry };
  }
  throw new KmsError("KMS.0205");
}

/** Creates the service's default key on its first use; the store guarantees there is exactly one. */
async function createDefaultKey(
  ctx: EngineContext,
  caller: TCaller,
  entry: TDefaultKeyCatalogEntry,
  scope: CallScope,
): Promise<TKey> {
  const id = ctx.random.uuid();
  const now = ctx.clock.now();
  const material = await generateMaterial("AES_256", ctx.random);
  const key: TKey = {
    id,
    projectId: caller.projectId,
    domainId: caller.domainId,
    alias: entry.alias,
    description: `Default key of ${entry.name}`,
    spec: "AES_256",
    usage: "ENCRYPT_DECRYPT",
    origin: "kms",
    state: "enabled",
    isDefault: true,
    service: entry.service,
    createdAt: now,
    updatedAt: now,
    deletionScheduledAt: null,
    deletionDate: null,
    currentVersion: 1,
    rotation: { enabled: false, intervalDays: 365, lastRotatedAt: null, rotationCount: 0 },
    lastUsedAt: null,
  };
  const version: KeyVersionRecord = {
    keyId: id,
    version: 1,
    createdAt: now,
    wrappedMaterial: ctx.rootKey.wrap(material.secret, `${id}:1`),
    publicKey: null,
  };
  const existing = await ctx.store.insertDefaultKey(key, version);
  if (existing.id === id) {
    const who = {
      projectId: caller.projectId,
      principalId: caller.principal.id,
      principalName: caller.principal.name,
    };
    scope.extraAudits.push(
      auditEvent(ctx, who, "create-default-key", id, {
        errorCode: null,
        details: { service: entry.service },
      }),
    );
  }
  return existing;
}

/** Finds the key a caller names; a service naming its own default alias creates the key if needed. */
export async function resolveKey(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  scope: CallScope,
): Promise<TKey> {
  const parsed = parseKeyRef(ref);
  let key: TKey | undefined;
  if (parsed.kind === "id") {
    key = await ctx.store.getKey(caller.projectId, parsed.keyId);
  } else {
    key = await ctx.store.getDefaultKey(caller.projectId, parsed.entry.service);
    const p = caller.principal;
    if (!key && p.kind === "service" && p.service === parsed.entry.service) {
      key = await createDefaultKey(ctx, caller, parsed.entry, scope);
    }
  }
  if (!key) throw new KmsError("KMS.0207");
  scope.keyId = key.id;
  return key;
}

/** A key and one version of its material (current when omitted) for the crypto hot path. */
export async function resolveKeyWithVersion(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  scope: CallScope,
  version?: number,
): Promise<{ key: TKey; version: KeyVersionRecord }> {
  const parsed = parseKeyRef(ref);
  const keyId = parsed.kind === "id" ? parsed.keyId : (await resolveKey(ctx, caller, ref, scope)).id;
  const found = await ctx.store.getKeyWithVersion(caller.projectId, keyId, version);
  if (!found) throw new KmsError("KMS.0207");
  scope.keyId = found.key.id;
  return found;
}

/**
 * The frame of every key-scoped operation: meter and audit, resolve the key, refuse default-key
 * mutations (before any other rule), check the permission, then run.
 */
export function keyOperation<T>(
  ctx: EngineContext,
  caller: TCaller,
  operation: TOperation,
  ref: KeyRef,
  fn: (key: TKey, scope: CallScope) => Promise<T>,
): Promise<T> {
  return runOperation(ctx, caller, operation, async (scope) => {
    const key = await resolveKey(ctx, caller, ref, scope);
    refuseDefaultKeyMutation(key, operation);
    await authorize(ctx.store, caller, operation, key);
    return fn(key, scope);
  });
}
