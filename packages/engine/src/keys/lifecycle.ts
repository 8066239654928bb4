import {
  ALIAS_PATTERN,
  allowedUsages,
  catalogEntryForAlias,
  DEFAULT_ALIAS_SUFFIX,
  foldAlias,
  HIDDEN_SERVICES,
  isReservedAlias,
  MAX_CUSTOM_KEYS_PER_PROJECT,
  MAX_TAGS_PER_KEY,
  PENDING_DAYS_MAX,
  PENDING_DAYS_MIN,
  ROTATION_INTERVAL_DEFAULT,
  type TCaller,
  type TKey,
  type TKeyListQuery,
  type TKeyPage,
  type TKeyState,
  ZKeyListQuery,
  ZKeySpec,
} from "@kms/domain";
import type { CreateKeyInput, KeyRef } from "../api.js";
import { authorize, visibleTo } from "../authorize.js";
import { type EngineContext, runOperation } from "../context.js";
import { generateMaterial } from "../crypto/material.js";
import { KmsError } from "../errors.js";
import type { KeyVersionRecord } from "../ports.js";
import { MAX_GRANTS_PER_KEY } from "./grants.js";
import { keyOperation } from "./resolve.js";
import { sameState, updateKeyChecked } from "./rules.js";
import { checkTags } from "./tags.js";

const DAY_MS = 86_400_000;
const LIVE_STATES: readonly TKeyState[] = [
  "pending_activation",
  "enabled",
  "disabled",
  "pending_deletion",
  "pending_import",
];

/** A custom key's alias: well formed, and never one that reads as a service default key's. */
function checkAlias(alias: unknown): string {
  if (typeof alias !== "string" || !ALIAS_PATTERN.test(alias)) throw new KmsError("KMS.1101");
  if (isReservedAlias(alias)) {
    const lookAlike = catalogEntryForAlias(foldAlias(alias));
    if (lookAlike) {
      throw new KmsError(
        "KMS.1104",
        `key_alias ${alias} reads as ${lookAlike.alias}, the default key of ${lookAlike.name}.`,
      );
    }
    throw new KmsError(
      "KMS.1101",
      `key_alias may not end in ${DEFAULT_ALIAS_SUFFIX}, in any case: it is reserved for default keys.`,
    );
  }
  return alias;
}

function checkDescription(description: unknown): string {
  if (typeof description !== "string" || description.length > 255) throw new KmsError("KMS.1103");
  return description;
}

export function createKey(ctx: EngineContext, caller: TCaller, input: CreateKeyInput): Promise<TKey> {
  return runOperation(ctx, caller, "create-key", async (scope) => {
    await authorize(ctx.store, caller, "create-key", null);
    const alias = checkAlias(input.alias);
    const description = checkDescription(input.description ?? "");
    const spec = ZKeySpec.safeParse(input.spec ?? "AES_256");
    if (!spec.success) throw new KmsError("KMS.0308", "unknown key_spec");
    const usages = allowedUsages(spec.data);
    const usage = input.usage ?? usages[0]!;
    if (!usages.includes(usage))
      throw new KmsError("KMS.0308", `key_usage ${usage} is not allowed for ${spec.data}`);
    const origin = input.origin ?? "kms";
    if (origin !== "kms" && origin !== "external") throw new KmsError("KMS.0308", "unknown origin");
    const tags = input.tags && input.tags.length > 0 ? checkTags(input.tags) : [];
    if (new Set(tags.map((t) => t.key)).size > MAX_TAGS_PER_KEY) throw new KmsError("KMS.0409");
    scope.details = { alias, spec: spec.data, usage, origin };
    if (tags.length > 0) scope.details.tagKeys = tags.map((t) => t.key).join(",");

    const id = ctx.random.uuid();
    const now = ctx.clock.now();
    const material = origin === "kms" ? await generateMaterial(spec.data, ctx.random) : null;
    const key: TKey = {
      id,
      projectId: caller.projectId,
      domainId: caller.domainId,
      alias,
      description,
      spec: spec.data,
      usage,
      origin,
      state: material ? "enabled" : "pending_import",
      isDefault: false,
      service: null,
      createdAt: now,
      updatedAt: now,
      deletionScheduledAt: null,
      deletionDate: null,
      currentVersion: 1,
      rotation: {
        enabled: false,
        intervalDays: ROTATION_INTERVAL_DEFAULT,
        lastRotatedAt: null,
        rotationCount: 0,
      },
      lastUsedAt: null,
    };
    const version: KeyVersionRecord = {
      keyId: id,
      version: 1,
      createdAt: now,
      wrappedMaterial: material ? ctx.rootKey.wrap(material.secret, `${id}:1`) : Buffer.alloc(0),
      publicKey: material?.publicKey ?? null,
    };
    const result = await ctx.store.insertKey(key, version, MAX_CUSTOM_KEYS_PER_PROJECT, tags);
    if (result === "alias_taken") throw new KmsError("KMS.1104");
    if (result === "quota_exceeded") throw new KmsError("KMS.1105");
    scope.keyId = id;
    return key;
  });
}

export function describeKey(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "describe-key", ref, async (key) => key);
}

export function listKeys(ctx: EngineContext, caller: TCaller, query: TKeyListQuery): Promise<TKeyPage> {
  return runOperation(ctx, caller, "list-keys", async () => {
    await authorize(ctx.store, caller, "list-keys", null);
    const parsed = ZKeyListQuery.safeParse(query);
    if (!parsed.success) throw new KmsError("KMS.0308", "invalid list query");
    return ctx.store.listKeys(caller.projectId, parsed.data, HIDDEN_SERVICES, visibleTo(caller));
  });
}

export function enableKey(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "enable-key", ref, (key) =>
    updateKeyChecked(ctx, key, (k) => {
      if (k.state !== "disabled") throw new KmsError("KMS.1201");
      return { expect: sameState(k), patch: { state: "enabled" } };
    }),
  );
}

export function disableKey(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "disable-key", ref, (key) =>
    updateKeyChecked(ctx, key, (k) => {
      if (k.state !== "enabled") throw new KmsError("KMS.1301");
      return { expect: sameState(k), patch: { state: "disabled" } };
    }),
  );
}

export function scheduleKeyDeletion(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  pendingDays: number,
): Promise<TKey> {
  return keyOperation(ctx, caller, "schedule-key-deletion", ref, (key, scope) => {
    scope.details = { pendingDays: Number.isFinite(pendingDays) ? pendingDays : null };
    if (!Number.isInteger(pendingDays) || pendingDays < PENDING_DAYS_MIN || pendingDays > PENDING_DAYS_MAX) {
      throw new KmsError("KMS.1401");
    }
    return updateKeyChecked(ctx, key, (k) => {
      if (k.state === "pending_deletion") throw new KmsError("KMS.1402");
      if (k.state !== "enabled" && k.state !== "disabled" && k.state !== "pending_import") {
        throw new KmsError("KMS.0308", `a key in state ${k.state} cannot be scheduled for deletion`);
      }
      const now = ctx.clock.now();
      return {
        expect: sameState(k),
        patch: {
          state: "pending_deletion",
          deletionScheduledAt: now,
          deletionDate: new Date(now.getTime() + pendingDays * DAY_MS),
        },
      };
    });
  });
}

export function cancelKeyDeletion(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "cancel-key-deletion", ref, async (key) => {
    // An external key whose material was never imported goes back to waiting for it.
    let hasMaterial = true;
    if (key.origin === "external") {
      const found = await ctx.store.getKeyWithVersion(key.projectId, key.id);
      hasMaterial = (found?.version.wrappedMaterial.length ?? 0) > 0;
    }
    return updateKeyChecked(ctx, key, (k) => {
      if (k.state !== "pending_deletion") throw new KmsError("KMS.1501");
      return {
        expect: sameState(k),
        patch: {
          state: hasMaterial ? "disabled" : "pending_import",
          deletionScheduledAt: null,
          deletionDate: null,
        },
      };
    });
  });
}

export function updateKeyAlias(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  alias: string,
): Promise<TKey> {
  return keyOperation(ctx, caller, "update-key-alias", ref, (key, scope) => {
    const checked = checkAlias(alias);
    scope.details = { alias: checked };
    return updateKeyChecked(ctx, key, () => ({ expect: { states: LIVE_STATES }, patch: { alias: checked } }));
  });
}

export function updateKeyDescription(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  description: string,
): Promise<TKey> {
  return keyOperation(ctx, caller, "update-key-description", ref, (key) => {
    const checked = checkDescription(description);
    return updateKeyChecked(ctx, key, () => ({
      expect: { states: LIVE_STATES },
      patch: { description: checked },
    }));
  });
}

export const countInstances = (ctx: EngineContext, caller: TCaller): Promise<number> =>
  runOperation(ctx, caller, "user-instances", async () => {
    await authorize(ctx.store, caller, "user-instances", null);
    return ctx.store.countCustomKeys(caller.projectId);
  });

export const quotas = (ctx: EngineContext, caller: TCaller) =>
  runOperation(ctx, caller, "user-quotas", async () => {
    await authorize(ctx.store, caller, "user-quotas", null);
    const used = await ctx.store.countCustomKeys(caller.projectId);
    return {
      customKeys: { used, quota: MAX_CUSTOM_KEYS_PER_PROJECT },
      grantsPerKey: { quota: MAX_GRANTS_PER_KEY },
    };
  });
