import type { FullStore } from "./store.js";

export type KeyWithVersion = NonNullable<Awaited<ReturnType<FullStore["getKeyWithVersion"]>>>;

const KEY_CACHE_MAX = 10_000;

/**
 * The crypto hot path's key-and-version lookups, kept between requests. Triggers move the
 * database's key epoch in the same transaction as every change to a key or a key version, from any
 * connection or process. A store reads the epoch before it answers from here and hands it to
 * `observe`: when it moved, the cache is emptied. A lookup read from the database after observing
 * the epoch is cached only if the epoch has not moved since (the token `observe` returned), so an
 * entry is never older than the epoch it is served under.
 */
export function createKeyCache() {
  const entries = new Map<string, KeyWithVersion>();
  let epoch: number | undefined;
  let token = 0;
  const cacheKey = (projectId: string, keyId: string, version: number | undefined) =>
    `${projectId}/${keyId}/${version ?? ""}`;

  return {
    /** Takes the epoch just read from the database; returns the token for a `put` of a lookup read after it. */
    observe(now: number): number {
      if (now !== epoch) {
        entries.clear();
        epoch = now;
        token += 1;
      }
      return token;
    },
    get: (projectId: string, keyId: string, version: number | undefined) =>
      entries.get(cacheKey(projectId, keyId, version)),
    put(at: number, projectId: string, keyId: string, version: number | undefined, found: KeyWithVersion) {
      if (at !== token) return;
      if (entries.size >= KEY_CACHE_MAX) entries.clear();
      // Frozen: every caller shares the entry, so none may change it.
      Object.freeze(found.key.rotation);
      Object.freeze(found.key);
      Object.freeze(found.version);
      entries.set(cacheKey(projectId, keyId, version), Object.freeze(found));
    },
  };
}

export interface KeyLookup {
  projectId: string;
  keyId: string;
  version: number | undefined;
}

/**
 * Gathers the calls of one event-loop turn and answers them together once the turn's I/O callbacks
 * are done (setImmediate), so that their database read starts after every one of them was asked
 * for. It also runs the requests of a turn through each stage together (parse and authenticate
 * all, then look up, encrypt and answer all) instead of one after the other through every stage,
 * which took a third to a half off unmetered encrypt-data's CPU per request (BENCHMARKS.md).
 */
export function perTurn<In, Out>(
  answer: (batch: In[]) => Array<Out | Promise<Out>>,
): (input: In) => Promise<Out> {
  let waiting: Array<{
    input: In;
    resolve: (out: Out | Promise<Out>) => void;
    reject: (e: unknown) => void;
  }> = [];
  const run = () => {
    const batch = waiting;
    waiting = [];
    try {
      const answers = answer(batch.map((w) => w.input));
      for (const [i, w] of batch.entries()) w.resolve(answers[i]!);
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  return (input) =>
    new Promise<Out>((resolve, reject) => {
      if (waiting.push({ input, resolve, reject }) === 1) setImmediate(run);
    });
}
