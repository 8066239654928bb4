import { describe, expect, it } from "vitest";
import { createPooledRandom, systemRandom } from "./root-key.js";

describe("pooled random", () => {
  it("never repeats a 12-byte IV over many calls, across pool refills", () => {
    const random = createPooledRandom(256);
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(random.bytes(12).toString("hex"));
    expect(seen.size).toBe(50_000);
  });

  it("returns the requested length, from the pool and past it", () => {
    const random = createPooledRandom(64);
    for (const n of [0, 1, 12, 32, 64, 65, 100, 4096]) expect(random.bytes(n).length).toBe(n);
  });

  it("hands each caller its own memory, not a view of the pool", () => {
    const random = createPooledRandom(256);
    const a = random.bytes(16);
    const b = random.bytes(16);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(0);
    expect(b.equals(Buffer.alloc(16))).toBe(false);
  });

  it("looks uniform: every byte value turns up in 64 KiB of IVs", () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 5462; i++) for (const byte of systemRandom.bytes(12)) counts[byte]! += 1;
    // 65,544 bytes, 256 expected per value; a stuck or constant source fails at once
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(380);
  });
});
