import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The tests start a real KMS and the demo seed meters a month of traffic; CI is a loaded 2-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
