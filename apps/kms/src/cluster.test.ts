import { describe, expect, it } from "vitest";
import { restartDelay } from "./cluster.js";

describe("restartDelay", () => {
  const now = 1_000_000;

  it("replaces a lone crashed worker at once", () => {
    expect(restartDelay([now], now)).toBe(0);
    // an old death does not count against a new one
    expect(restartDelay([now - 61_000, now], now)).toBe(0);
  });

  it("backs off exponentially while workers keep dying within a minute, up to 30 s", () => {
    const deaths = (n: number) => Array.from({ length: n }, (_, i) => now - i * 1000);
    expect([2, 3, 4, 5].map((n) => restartDelay(deaths(n), now))).toEqual([250, 500, 1000, 2000]);
    expect(restartDelay(deaths(40), now)).toBe(30_000);
  });
});
