import type { TAuditEvent, TCaller, TOperation } from "@kms/domain";
import { MANAGEMENT_OPERATIONS } from "@kms/domain";
import type { MaterialCache } from "./crypto/material-cache.js";
import { isKmsError } from "./errors.js";
import type { Meter } from "./metering.js";
import type { Clock, KmsStore, Random, RootKey } from "./ports.js";

/** What every operation works with. Built once by createKms. */
export interface EngineContext {
  store: KmsStore;
  clock: Clock;
  random: Random;
  rootKey: RootKey;
  meter: Meter;
  /** Unwrapped material of recently used key versions (the state is still read per request). */
  materials: MaterialCache;
}

export type AuditDetails = TAuditEvent["details"];

/** Facts an operation gathers while it runs, for its count and audit event. */
export interface CallScope {
  keyId: string | null;
  details: AuditDetails;
  /** Further events the call caused (a default key born on first use). */
  extraAudits: TAuditEvent[];
}

const HOUR_MS = 3_600_000;
const hourStart = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);

export function auditEvent(
  ctx: EngineContext,
  who: { projectId: string; principalId: string; principalName: string },
  operation: TOperation,
  keyId: string | null,
  outcome: { errorCode: string | null; details: AuditDetails },
): TAuditEvent {
  return {
    id: ctx.random.uuid(),
    time: ctx.clock.now(),
    projectId: who.projectId,
    principalId: who.principalId,
    principalName: who.principalName,
    operation,
    keyId,
    result: outcome.errorCode === null ? "success" : "refused",
    errorCode: outcome.errorCode,
    details: outcome.details,
  };
}

const whoOf = (caller: TCaller) => ({
  projectId: caller.projectId,
  principalId: caller.principal.id,
  principalName: caller.principal.name,
});

/** The housekeeping actor for sweeps and scheduled rotations. */
export const systemActor = (projectId: string) => ({
  projectId,
  principalId: "system",
  principalName: "system",
});

/**
 * Runs one operation: meters it, audits it (management calls and every refusal) and answers only
 * once that record is durable, so an acknowledged request is always counted.
 */
export async function runOperation<T>(
  ctx: EngineContext,
  caller: TCaller,
  operation: TOperation,
  fn: (scope: CallScope) => Promise<T>,
): Promise<T> {
  const scope: CallScope = { keyId: null, details: {}, extraAudits: [] };
  const usage = () => ({
    projectId: caller.projectId,
    domainId: caller.domainId,
    keyId: scope.keyId ?? "",
    principalId: caller.principal.id,
    operation,
    hour: hourStart(ctx.clock.now()),
  });
  let result: T;
  try {
    result = await fn(scope);
  } catch (error) {
    const errorCode = isKmsError(error) ? error.code : "KMS.0101";
    const refused = auditEvent(ctx, whoOf(caller), operation, scope.keyId, {
      errorCode,
      details: scope.details,
    });
    await ctx.meter.record(usage(), [...scope.extraAudits, refused]);
    throw error;
  }
  const audits = scope.extraAudits;
  if (MANAGEMENT_OPERATIONS.has(operation)) {
    audits.push(
      auditEvent(ctx, whoOf(caller), operation, scope.keyId, { errorCode: null, details: scope.details }),
    );
  }
  await ctx.meter.record(usage(), audits);
  return result;
}

/** A call refused before it reached an operation (bad signature, wrong project): counted and audited. */
export function recordRefusal(
  ctx: EngineContext,
  caller: TCaller,
  operation: TOperation,
  keyId: string | null,
  errorCode: string,
): Promise<void> {
  const usage = {
    projectId: caller.projectId,
    domainId: caller.domainId,
    keyId: keyId ?? "",
    principalId: caller.principal.id,
    operation,
    hour: hourStart(ctx.clock.now()),
  };
  return ctx.meter.record(usage, [
    auditEvent(ctx, whoOf(caller), operation, keyId, { errorCode, details: {} }),
  ]);
}
