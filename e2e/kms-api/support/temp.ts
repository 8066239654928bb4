import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A fresh directory under the OS temp dir; remove() deletes it and everything in it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `kms-e2e-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export type Defer = (cleanup: () => Promise<void>) => void;

/**
 * Collects a test file's cleanups and runs them after all its tests, the last registered first;
 * a failing one is logged rather than hiding the tests' own result.
 */
export function cleanupAfterAll(): Defer {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error("[e2e] cleanup failed", e));
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
