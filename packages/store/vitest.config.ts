import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // RSA key generation and scrypt are CPU-bound; on a loaded 2-core CI machine they take seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
