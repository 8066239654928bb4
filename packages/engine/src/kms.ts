import { type TCaller, ZPricing } from "@kms/domain";
import type { KmsEngine, KmsEngineOptions } from "./api.js";
import { type EngineContext, recordRefusal } from "./context.js";
import { createMaterialCache } from "./crypto/material-cache.js";
import * as crypto from "./crypto/operations.js";
import { KmsError } from "./errors.js";
import * as grants from "./keys/grants.js";
import * as keys from "./keys/lifecycle.js";
import * as rotation from "./keys/rotation.js";
import { sweepDueDeletions } from "./keys/sweep.js";
import * as tags from "./keys/tags.js";
import { createMeter } from "./metering.js";
import type { AuditFilter } from "./ports.js";
import * as provisioning from "./provision.js";

/** Wires the ports into one engine; every operation lives in its own module. */
export function createKms(options: KmsEngineOptions): KmsEngine {
  const meter = createMeter(options.store, { countsEnabled: options.metering?.enabled !== false });
  const ctx: EngineContext = {
    store: options.store,
    clock: options.clock,
    random: options.random,
    rootKey: options.rootKey,
    meter,
    materials: createMaterialCache(),
  };

  const listAudit = async (caller: TCaller, filter: Omit<AuditFilter, "projectId">) => {
    if (caller.principal.kind !== "user") throw new KmsError("KMS.0306");
    return ctx.store.listAudit({ ...filter, projectId: caller.projectId });
  };

  return {
    pricing: ZPricing.parse(options.pricing ?? {}),

    provisionProject: (input) => provisioning.provisionProject(ctx, input),
    authenticate: (accessKey) => provisioning.authenticate(ctx, accessKey),
    verifyPassword: (domainId, username, password) =>
      provisioning.verifyPassword(ctx, domainId, username, password),
    listProjects: () => ctx.store.listProjects(),
    setUserRole: (input) => provisioning.setUserRole(ctx, input),
    projectRoles: (domainId, principalId) => provisioning.projectRoles(ctx, domainId, principalId),
    userCaller: (user, projectId) => provisioning.userCaller(ctx, user, projectId),

    createKey: (caller, input) => keys.createKey(ctx, caller, input),
    describeKey: (caller, ref) => keys.describeKey(ctx, caller, ref),
    listKeys: (caller, query) => keys.listKeys(ctx, caller, query),
    enableKey: (caller, ref) => keys.enableKey(ctx, caller, ref),
    disableKey: (caller, ref) => keys.disableKey(ctx, caller, ref),
    scheduleKeyDeletion: (caller, ref, days) => keys.scheduleKeyDeletion(ctx, caller, ref, days),
    cancelKeyDeletion: (caller, ref) => keys.cancelKeyDeletion(ctx, caller, ref),
    updateKeyAlias: (caller, ref, alias) => keys.updateKeyAlias(ctx, caller, ref, alias),
    updateKeyDescription: (caller, ref, text) => keys.updateKeyDescription(ctx, caller, ref, text),

    getRotationStatus: (caller, ref) => rotation.getRotationStatus(ctx, caller, ref),
    enableRotation: (caller, ref, days) => rotation.enableRotation(ctx, caller, ref, days),
    disableRotation: (caller, ref) => rotation.disableRotation(ctx, caller, ref),
    updateRotationInterval: (caller, ref, days) => rotation.updateRotationInterval(ctx, caller, ref, days),
    rotateKey: (caller, ref) => rotation.rotateKey(ctx, caller, ref),
    rotateDueKeys: () => rotation.rotateDueKeys(ctx),

    listTags: (caller, ref) => tags.listTags(ctx, caller, ref),
    addTags: (caller, ref, list) => tags.addTags(ctx, caller, ref, list),
    removeTags: (caller, ref, tagKeys) => tags.removeTags(ctx, caller, ref, tagKeys),
    replaceTags: (caller, ref, wanted) => tags.replaceTags(ctx, caller, ref, wanted),
    listProjectTags: (caller) => tags.listProjectTags(ctx, caller),
    listKeysByTags: (caller, input) => tags.listKeysByTags(ctx, caller, input),

    createGrant: (caller, ref, input) => grants.createGrant(ctx, caller, ref, input),
    listGrants: (caller, ref, offset, limit) => grants.listGrants(ctx, caller, ref, offset, limit),
    listRetirableGrants: (caller, offset, limit) => grants.listRetirableGrants(ctx, caller, offset, limit),
    revokeGrant: (caller, ref, grantId) => grants.revokeGrant(ctx, caller, ref, grantId),
    retireGrant: (caller, ref, grantId) => grants.retireGrant(ctx, caller, ref, grantId),

    encryptData: (caller, input) => crypto.encryptData(ctx, caller, input),
    decryptData: (caller, input) => crypto.decryptData(ctx, caller, input),
    createDataKey: (caller, input) => crypto.createDataKey(ctx, caller, input),
    encryptDataKey: (caller, input) => crypto.encryptDataKey(ctx, caller, input),
    decryptDataKey: (caller, input) => crypto.decryptDataKey(ctx, caller, input),
    generateRandom: (caller, bits) => crypto.generateRandom(ctx, caller, bits),
    sign: (caller, input) => crypto.sign(ctx, caller, input),
    verify: (caller, input) => crypto.verify(ctx, caller, input),
    getPublicKey: (caller, ref) => crypto.getPublicKey(ctx, caller, ref),
    generateMac: (caller, input) => crypto.generateMac(ctx, caller, input),
    verifyMac: (caller, input) => crypto.verifyMac(ctx, caller, input),

    countInstances: (caller) => keys.countInstances(ctx, caller),
    quotas: (caller) => keys.quotas(ctx, caller),

    sweepDueDeletions: () => sweepDueDeletions(ctx),
    recordRefusal: (caller, operation, keyId, errorCode) =>
      recordRefusal(ctx, caller, operation, keyId, errorCode),
    listAudit,
    close: async () => {
      await meter.close();
      ctx.materials.clear();
    },
  };
}
