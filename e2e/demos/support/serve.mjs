#!/usr/bin/env node
// The web server of the demos: `pnpm start` (apps/bff/dist/start.js) on a fresh temporary data
// directory, whose path is written to a pointer file for the tests; the directory is removed when
// the stack stops (Playwright sends SIGTERM at the end of the run).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const start = path.resolve(here, "../../../apps/bff/dist/start.js");
const port = process.env.PORT ?? "18080";
const pointer = path.join(os.tmpdir(), `kms-e2e-${port}.datadir`);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "kms-e2e-"));
writeFileSync(pointer, dataDir);

const cleanup = () => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(pointer, { force: true });
};

const child = spawn(process.execPath, [start], {
  stdio: ["ignore", "inherit", "pipe"],
  env: { ...process.env, KMS_DATA_DIR: dataDir },
});
// The BFF logs every request as JSON on stderr: drop those below 500, keep everything else.
createInterface({ input: child.stderr }).on("line", (line) => {
  if (line.startsWith('{"time"')) {
    try {
      if (JSON.parse(line).status < 500) return;
    } catch {
      // not a request log: show it
    }
  }
  process.stderr.write(`${line}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
