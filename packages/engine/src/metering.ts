import type { TAuditEvent, TUsageCount } from "@kms/domain";
import { KmsError } from "./errors.js";
import type { KmsStore } from "./ports.js";

/** One request's count before aggregation (count is implied: 1). */
export type UsageItem = Omit<TUsageCount, "count">;

export interface Meter {
  /** Resolves once the count and audits are durable in the store; rejects with KMS.0101 if they are not. */
  record(item: UsageItem | null, audits: readonly TAuditEvent[]): Promise<void>;
  /** Waits for everything recorded so far to be flushed; later records still flush. */
  close(): Promise<void>;
}

interface Batch {
  counts: Map<string, TUsageCount>;
  /** The count the previous request went to: a busy caller's requests mostly share one. */
  last: TUsageCount | undefined;
  audits: TAuditEvent[];
  /** How many requests joined the batch. */
  size: number;
  /** Settles when the batch is flushed: every request of the batch awaits this one promise. */
  flushed: Promise<void>;
  settle: { resolve: () => void; reject: (e: unknown) => void };
}

function newBatch(): Batch {
  let settle!: Batch["settle"];
  const flushed = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A batch nobody joined is never settled; one that fails is awaited by every request in it.
  return { counts: new Map(), last: undefined, audits: [], size: 0, flushed, settle };
}

const dimension = (i: UsageItem): string =>
  `${i.projectId}\u0000${i.domainId}\u0000${i.keyId}\u0000${i.principalId}\u0000${i.operation}\u0000${i.hour.getTime()}`;

const sameDimension = (c: TUsageCount, i: UsageItem): boolean =>
  c.keyId === i.keyId &&
  c.operation === i.operation &&
  c.principalId === i.principalId &&
  c.projectId === i.projectId &&
  c.domainId === i.domainId &&
  c.hour.getTime() === i.hour.getTime();

/** Adds one request to the batch's count for its dimension. */
function count(batch: Batch, item: UsageItem): void {
  const last = batch.last;
  if (last !== undefined && sameDimension(last, item)) {
    last.count += 1;
    return;
  }
  const key = dimension(item);
  let existing = batch.counts.get(key);
  if (existing) existing.count += 1;
  else {
    existing = { ...item, count: 1 };
    batch.counts.set(key, existing);
  }
  batch.last = existing;
}

/**
 * Group commit: requests join the pending batch (counts aggregated per dimension), one flush writes
 * it with a single store.recordUsage, and only then are its callers answered. While a flush runs,
 * new requests gather in the next batch, so the store sees one write per round trip, not per request.
 *
 * A flush starts as soon as the process has nothing else to do: once a turn of the event loop has
 * passed that brought no new request into the batch. Holding answers back any longer would only
 * leave the process idle while its clients wait. While requests keep arriving, the batch keeps
 * gathering (a flush costs about the same for one request as for a hundred), but for no longer
 * than `maxDelayMs` after a flush could have started (the previous one ended, or a first request
 * arrived after a quiet spell).
 */
export function createMeter(
  store: KmsStore,
  options: { countsEnabled: boolean; maxDelayMs?: number },
): Meter {
  const maxDelay = options.maxDelayMs ?? 10;
  let pending = newBatch();
  let flushing = false;
  let scheduled = false;
  let gatheringSince = 0;
  // The batch's size at the previous check; -1 until the turn that scheduled the flush has ended.
  let seen = -1;
  const idle: Array<() => void> = [];

  const schedule = (): void => {
    if (flushing || scheduled) return;
    scheduled = true;
    gatheringSince = Date.now();
    seen = -1;
    setImmediate(check);
  };

  // Runs once per turn (setImmediate comes after the turn's I/O callbacks).
  const check = (): void => {
    const size = pending.size;
    if (size === seen || Date.now() - gatheringSince >= maxDelay) {
      void flush();
      return;
    }
    seen = size;
    setImmediate(check);
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    const batch = pending;
    pending = newBatch();
    flushing = true;
    try {
      await store.recordUsage([...batch.counts.values()], batch.audits);
      batch.settle.resolve();
    } catch {
      batch.settle.reject(new KmsError("KMS.0101", "usage could not be recorded"));
    } finally {
      flushing = false;
      if (pending.size > 0) schedule();
      else for (const done of idle.splice(0)) done();
    }
  };

  return {
    record(item, audits) {
      const counted = options.countsEnabled && item !== null;
      if (!counted && audits.length === 0) return Promise.resolve();
      if (counted) count(pending, item);
      if (audits.length > 0) pending.audits.push(...audits);
      pending.size += 1;
      schedule();
      return pending.flushed;
    },
    close() {
      if (!flushing && !scheduled && pending.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
