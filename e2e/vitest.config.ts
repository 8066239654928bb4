import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["kms-api/**/*.test.ts"],
    // Real processes, sockets and files: one file at a time keeps the 2-core machine from skewing timings.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
