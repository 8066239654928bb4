import {
  keyFamily,
  ROTATION_INTERVAL_MAX,
  ROTATION_INTERVAL_MIN,
  type TCaller,
  type TKey,
} from "@kms/domain";
import type { KeyRef, RotationStatus } from "../api.js";
import { type AuditDetails, auditEvent, type EngineContext, systemActor } from "../context.js";
import { generateMaterial } from "../crypto/material.js";
import { KmsError } from "../errors.js";
import { keyOperation } from "./resolve.js";
import { requireUsable, sameState, updateKeyChecked } from "./rules.js";

const DAY_MS = 86_400_000;
const PAGE_SIZE = 500;

function requireRotatable(key: TKey): void {
  const family = keyFamily(key.spec);
  if (family === "rsa" || family === "ec") throw new KmsError("KMS.0325");
  if (family === "hmac") throw new KmsError("KMS.0331");
  if (key.origin === "external") throw new KmsError("KMS.0312");
  requireUsable(key);
}

function checkInterval(intervalDays: number): void {
  if (
    !Number.isInteger(intervalDays) ||
    intervalDays < ROTATION_INTERVAL_MIN ||
    intervalDays > ROTATION_INTERVAL_MAX
  ) {
    throw new KmsError("KMS.3001");
  }
}

export function getRotationStatus(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<RotationStatus> {
  return keyOperation(ctx, caller, "get-key-rotation-status", ref, async (key) => {
    const versions = await ctx.store.listKeyVersions(key.id);
    return {
      ...key.rotation,
      versions: versions.map((v) => ({ keyId: v.keyId, version: v.version, createdAt: v.createdAt })),
    };
  });
}

export function enableRotation(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  intervalDays?: number,
): Promise<TKey> {
  return keyOperation(ctx, caller, "enable-key-rotation", ref, (key, scope) => {
    // Without an interval, keep the key's own (365 unless changed before).
    const interval = intervalDays ?? key.rotation.intervalDays;
    scope.details = { intervalDays: Number.isFinite(interval) ? interval : null };
    checkInterval(interval);
    return updateKeyChecked(ctx, key, (k) => {
      requireRotatable(k);
      return {
        expect: sameState(k),
        patch: { rotation: { ...k.rotation, enabled: true, intervalDays: interval } },
      };
    });
  });
}

export function disableRotation(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "disable-key-rotation", ref, (key) =>
    updateKeyChecked(ctx, key, (k) => {
      requireRotatable(k);
      return { expect: sameState(k), patch: { rotation: { ...k.rotation, enabled: false } } };
    }),
  );
}

export function updateRotationInterval(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  intervalDays: number,
): Promise<TKey> {
  return keyOperation(ctx, caller, "update-key-rotation-interval", ref, (key, scope) => {
    scope.details = { intervalDays: Number.isFinite(intervalDays) ? intervalDays : null };
    checkInterval(intervalDays);
    return updateKeyChecked(ctx, key, (k) => {
      requireRotatable(k);
      if (!k.rotation.enabled) throw new KmsError("KMS.0313");
      return { expect: sameState(k), patch: { rotation: { ...k.rotation, intervalDays } } };
    });
  });
}

/** Appends a fresh version and makes it current; retries if another rotation won the race. */
async function addVersion(ctx: EngineContext, key: TKey): Promise<TKey> {
  let current = key;
  for (let attempt = 0; attempt < 5; attempt++) {
    requireRotatable(current);
    const version = current.currentVersion + 1;
    const now = ctx.clock.now();
    const material = await generateMaterial(current.spec, ctx.random);
    const record = {
      keyId: current.id,
      version,
      createdAt: now,
      wrappedMaterial: ctx.rootKey.wrap(material.secret, `${current.id}:${version}`),
      publicKey: null,
    };
    const rotation = {
      ...current.rotation,
      lastRotatedAt: now,
      rotationCount: current.rotation.rotationCount + 1,
    };
    const updated = await ctx.store.addKeyVersion(current.projectId, record, {
      currentVersion: version,
      rotation,
      updatedAt: now,
    });
    if (updated) return updated;
    const reread = await ctx.store.getKey(current.projectId, current.id);
    if (!reread) throw new KmsError("KMS.0207");
    current = reread;
  }
  throw new KmsError("KMS.0101", "the key kept changing; try again");
}

export function rotateKey(ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TKey> {
  return keyOperation(ctx, caller, "rotate-on-demand", ref, async (key, scope) => {
    const rotated = await addVersion(ctx, key);
    scope.details = { version: rotated.currentVersion };
    return rotated;
  });
}

const isDue = (key: TKey, now: Date): boolean =>
  key.rotation.enabled &&
  now.getTime() >=
    (key.rotation.lastRotatedAt ?? key.createdAt).getTime() + key.rotation.intervalDays * DAY_MS;

/**
 * Rotates every key whose interval has passed. The store lists only due keys (an index covers the
 * keys with rotation on), page by page in key ID order, so memory and work follow the due keys,
 * not the number of keys.
 */
export async function rotateDueKeys(ctx: EngineContext, pageSize = PAGE_SIZE): Promise<number> {
  const now = ctx.clock.now();
  let rotated = 0;
  let after: string | undefined;
  for (;;) {
    const due = await ctx.store.listDueRotations(now, pageSize, after);
    for (const { projectId, keyId } of due) {
      const key = await ctx.store.getKey(projectId, keyId);
      if (!key || !isDue(key, now)) continue;
      let details: AuditDetails;
      try {
        const rotatedKey = await addVersion(ctx, key);
        details = { scheduled: true, version: rotatedKey.currentVersion };
        rotated++;
      } catch {
        // Disabled or deleted meanwhile: it is no longer due.
        continue;
      }
      const audit = auditEvent(ctx, systemActor(projectId), "rotate-on-demand", keyId, {
        errorCode: null,
        details,
      });
      await ctx.meter.record(null, [audit]);
    }
    if (due.length < pageSize) return rotated;
    after = due[due.length - 1]!.keyId;
  }
}
