import { defineConfig } from "@playwright/test";
import { BFF_PORT, KMS_PORT } from "./demos/support/ports.js";

/** DEMO=1 (`pnpm demo`): video of every scenario and a screenshot at each step, into demo-output/. */
const demo = process.env.DEMO === "1";
/** Video needs ffmpeg: demos/support/demo.mjs links Debian's, or sets DEMO_VIDEO=0 when there is none. */
const video = demo && process.env.DEMO_VIDEO !== "0";

export default defineConfig({
  testDir: "./demos",
  outputDir: demo ? "./demo-output" : "./test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // One browser, one server, scenarios in file order: a flaky test is a broken test, so no retries.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"]],
  globalTeardown: "./demos/support/global-teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${BFF_PORT}`,
    trace: "retain-on-failure",
    video: video ? { mode: "on", size: { width: 1280, height: 800 } } : "off",
    screenshot: demo ? "only-on-failure" : "off",
    viewport: { width: 1280, height: 800 },
    contextOptions: { reducedMotion: "reduce" },
    launchOptions: {
      // Playwright cannot download its browsers here: Debian's chromium (apt-get install -y chromium).
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Without the background-networking flags Chromium keeps dialling Google on this closed network.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    // The real `pnpm start` stack (KMS API + BFF serving the built console) on a fresh data dir.
    command: "node demos/support/serve.mjs",
    env: { PORT: String(BFF_PORT), KMS_PORT: String(KMS_PORT), KMS_DEMO: "0" },
    url: `http://127.0.0.1:${BFF_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    // SIGTERM lets serve.mjs stop both processes and remove its temporary data directory.
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
