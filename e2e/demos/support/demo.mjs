#!/usr/bin/env node
// `pnpm demo`: the scenarios with DEMO=1 (video + a screenshot per step into demo-output/).
// Playwright records video through its own ffmpeg build, which it cannot download here; Debian's
// ffmpeg (apt-get install -y ffmpeg) encodes the same VP8, so it is linked where Playwright looks.
// Without ffmpeg the demo still runs, with screenshots only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const e2eDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(e2eDir, "package.json"));
const env = { ...process.env, DEMO: "1" };

const systemFfmpeg = "/usr/bin/ffmpeg";
if (existsSync(systemFfmpeg)) {
  const core = path.dirname(
    require.resolve("playwright-core/package.json", {
      paths: [path.dirname(require.resolve("@playwright/test"))],
    }),
  );
  const { browsers } = JSON.parse(readFileSync(path.join(core, "browsers.json"), "utf8"));
  const revision = browsers.find((b) => b.name === "ffmpeg")?.revision;
  const root = path.join(e2eDir, "node_modules", ".cache", "playwright-ffmpeg");
  const link = path.join(root, `ffmpeg-${revision}`, "ffmpeg-linux");
  rmSync(link, { force: true });
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(systemFfmpeg, link);
  env.PLAYWRIGHT_BROWSERS_PATH = root; // only ffmpeg is looked up there: chromium has an executablePath
} else {
  console.warn(
    `${systemFfmpeg} not found (apt-get install -y ffmpeg): the demo records screenshots but no video.`,
  );
  env.DEMO_VIDEO = "0";
}

const playwright = path.join(e2eDir, "node_modules", ".bin", "playwright");
const run = spawnSync(playwright, ["test", ...process.argv.slice(2)], { cwd: e2eDir, env, stdio: "inherit" });
process.exit(run.status ?? 1);
