import { describe, expect, it } from "vitest";
import { perTurn } from "./key-cache.js";

describe("perTurn", () => {
  it("answers the calls of one event-loop turn in one batch, once the turn is done", async () => {
    const batches: number[][] = [];
    const double = perTurn<number, number>((batch) => {
      batches.push(batch);
      return batch.map((n) => n * 2);
    });
    const first = [double(1), double(2), double(3)];
    expect(batches).toEqual([]); // nothing answered while the turn runs
    expect(await Promise.all(first)).toEqual([2, 4, 6]);
    expect(await double(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("rejects every call of a batch whose answer throws, and only the call whose own answer rejects", async () => {
    let failWhole = true;
    const check = perTurn<number, number>((batch) => {
      if (failWhole) throw new Error("store closed");
      return batch.map((n) => (n < 0 ? Promise.reject(new Error(`bad ${n}`)) : n));
    });
    const whole = [check(1), check(2)];
    for (const call of whole) await expect(call).rejects.toThrow("store closed");
    failWhole = false;
    const [good, bad] = [check(1), check(-1)];
    expect(await good).toBe(1);
    await expect(bad).rejects.toThrow("bad -1");
  });
});
