/**
 * Unwrapped key material per (key ID, version), so the hot path skips the root-key unwrap.
 * A version's material never changes once it exists, and an entry only answers for the exact
 * wrapped blob it came from, so a blob written later (imported material) is unwrapped afresh.
 * Bounded LRU; evicted and cleared secrets are zeroed.
 */
export interface MaterialCache {
  /** The cached secret of `wrapped`, or the result of `unwrap` (then cached). */
  get(id: string, wrapped: Buffer, unwrap: () => Buffer): Buffer;
  readonly size: number;
  clear(): void;
}

interface Entry {
  wrapped: Buffer;
  secret: Buffer;
}

export const DEFAULT_MATERIAL_CACHE_SIZE = 10_000;

export function createMaterialCache(maxEntries = DEFAULT_MATERIAL_CACHE_SIZE): MaterialCache {
  // A Map keeps insertion order: re-inserting on a hit makes its first key the least recently used.
  const entries = new Map<string, Entry>();
  return {
    get(id, wrapped, unwrap) {
      const hit = entries.get(id);
      if (hit?.wrapped.equals(wrapped)) {
        entries.delete(id);
        entries.set(id, hit);
        return hit.secret;
      }
      const secret = unwrap();
      if (maxEntries <= 0) return secret;
      if (hit !== undefined) {
        entries.delete(id);
        hit.secret.fill(0);
      }
      while (entries.size >= maxEntries) {
        const [oldestId, oldest] = entries.entries().next().value as [string, Entry];
        entries.delete(oldestId);
        oldest.secret.fill(0);
      }
      // Own copies: the caller's wrapped buffer may be reused, and the secret is ours to zero.
      entries.set(id, { wrapped: Buffer.from(wrapped), secret: Buffer.from(secret) });
      return secret;
    },
    get size() {
      return entries.size;
    },
    clear() {
      for (const e of entries.values()) e.secret.fill(0);
      entries.clear();
    },
  };
}
