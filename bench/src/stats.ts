import { performance } from "node:perf_hooks";

/** Runs `fn` `warmup` times untimed, then `runs` times timed; returns p50/p95 in milliseconds. */
export async function measure(
  fn: () => Promise<unknown>,
  runs: number,
  warmup = 3,
): Promise<{ p50: number; p95: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), runs };
}

export const ms = (n: number): string => `${n.toFixed(2)} ms`;
