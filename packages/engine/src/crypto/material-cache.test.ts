import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMaterialCache } from "./material-cache.js";

const counting = (secret: Buffer) => {
  let calls = 0;
  return {
    unwrap: () => {
      calls += 1;
      return Buffer.from(secret);
    },
    calls: () => calls,
  };
};

describe("material cache", () => {
  it("unwraps a version once and answers later calls from the cache", () => {
    const cache = createMaterialCache(4);
    const wrapped = randomBytes(60);
    const u = counting(randomBytes(32));
    const first = cache.get("k:1", wrapped, u.unwrap);
    const second = cache.get("k:1", Buffer.from(wrapped), u.unwrap);
    expect(second.equals(first)).toBe(true);
    expect(u.calls()).toBe(1);
  });

  it("when the wrapped blob of an ID changes, then it unwraps again", () => {
    const cache = createMaterialCache(4);
    const a = counting(Buffer.alloc(32, 1));
    const b = counting(Buffer.alloc(32, 2));
    cache.get("k:1", randomBytes(60), a.unwrap);
    const fresh = cache.get("k:1", randomBytes(60), b.unwrap);
    expect(fresh.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(b.calls()).toBe(1);
    expect(cache.size).toBe(1);
  });

  it("evicts the least recently used entry and zeroes its secret", () => {
    const cache = createMaterialCache(2);
    const blobs = [randomBytes(60), randomBytes(60), randomBytes(60)];
    const s0 = cache.get("k:0", blobs[0]!, () => Buffer.alloc(32, 7));
    cache.get("k:1", blobs[1]!, () => Buffer.alloc(32, 8));
    cache.get("k:0", blobs[0]!, () => Buffer.alloc(32, 9)); // k:0 is now the most recent
    const s1 = cache.get("k:1", blobs[1]!, () => Buffer.alloc(32, 9));
    cache.get("k:2", blobs[2]!, () => Buffer.alloc(32, 10)); // evicts k:0
    expect(cache.size).toBe(2);
    expect(s0.equals(Buffer.alloc(32, 7))).toBe(true); // the caller's copy is its own
    expect(s1.equals(Buffer.alloc(32, 8))).toBe(true);
    const again = counting(Buffer.alloc(32, 7));
    cache.get("k:0", blobs[0]!, again.unwrap);
    expect(again.calls()).toBe(1);
  });

  it("zeroes every cached secret on clear", () => {
    const cache = createMaterialCache(4);
    const wrapped = randomBytes(60);
    cache.get("k:1", wrapped, () => Buffer.alloc(32, 5));
    const cached = cache.get("k:1", wrapped, () => Buffer.alloc(32, 6));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cached.equals(Buffer.alloc(32, 0))).toBe(true);
  });

  it("when the size is 0, then nothing is kept", () => {
    const cache = createMaterialCache(0);
    const u = counting(randomBytes(32));
    const wrapped = randomBytes(60);
    cache.get("k:1", wrapped, u.unwrap);
    cache.get("k:1", wrapped, u.unwrap);
    expect(u.calls()).toBe(2);
    expect(cache.size).toBe(0);
  });
});
