/**
 * Data-plane benchmark: the machine's HTTP ceiling, the KMS server's own no-op route, and
 * encrypt-data of 256 bytes (signed, metered / not metered), measured in one run so that the
 * ratios compare like with like on a noisy machine.
 *
 *   pnpm bench            (from the repository root; builds first)
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=64 BENCH_WORKERS=2 pnpm bench
 *
 * The KMS runs use KMS_WORKERS=BENCH_WORKERS (2 by default: one per core of the machine the figures
 * in BENCHMARKS.md come from); metered encrypt-data is also measured with one process.
 *
 * Every server runs in its own child process, so autocannon (this process) does not share an
 * event loop with the server it measures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signRequest } from "@kms/api";
import autocannon from "autocannon";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = process.env.BENCH_WORKERS ?? "2";
const here = fileURLToPath(new URL(".", import.meta.url));
const kmsCli = resolve(here, "../../apps/kms/dist/cli.js");

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === "object" && address ? ok(address.port) : fail(new Error("no port")),
      );
    });
  });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}

async function measure(name: string, options: autocannon.Options): Promise<Figures> {
  // a short warm-up lets the JIT settle before the measured run
  await autocannon({ ...options, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ ...options, connections: CONNECTIONS, duration: SECONDS });
  const figures = {
    name,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
  console.log(
    `${name.padEnd(44)} ${String(figures.rps).padStart(7)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms` +
      (figures.errors || figures.non2xx ? `  (errors ${figures.errors}, non-2xx ${figures.non2xx})` : ""),
  );
  return figures;
}

async function bareNodeHttp(): Promise<Figures> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, s) => { s.statusCode = 204; s.end(); }).listen(${port}, "127.0.0.1")`,
    ],
    { stdio: "inherit" },
  );
  try {
    await waitFor(`http://127.0.0.1:${port}/`, child);
    return await measure("node:http no-op (the machine's ceiling)", { url: `http://127.0.0.1:${port}/` });
  } finally {
    await stop(child);
  }
}

interface Credentials {
  projectId: string;
  users: { admin: { ak: string; sk: string } };
}

async function kmsServer(env: Record<string, string>, dataDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [kmsCli, "serve"], {
    env: {
      ...process.env,
      KMS_WORKERS: WORKERS,
      ...env,
      KMS_DATA_DIR: dataDir,
      KMS_PORT: String(port),
      KMS_LOG: "",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/health`, child);
  const credentials = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8")) as Credentials;
  return { child, base, credentials };
}

async function signedPost(base: string, credentials: Credentials, op: string, body: unknown) {
  const path = `/v1.0/${credentials.projectId}/kms/${op}`;
  const text = JSON.stringify(body);
  const headers = signRequest({
    method: "POST",
    url: `${base}${path}`,
    body: text,
    ak: credentials.users.admin.ak,
    sk: credentials.users.admin.sk,
    projectId: credentials.projectId,
  });
  return { path, text, headers };
}

async function encryptRun(
  name: string,
  base: string,
  credentials: Credentials,
  keyId: string,
): Promise<Figures> {
  // One signed request replayed: X-Sdk-Date stays valid for 15 minutes, longer than the run.
  const plainText = randomBytes(192).toString("base64"); // 256 characters
  const req = await signedPost(base, credentials, "encrypt-data", { key_id: keyId, plain_text: plainText });
  const check = await fetch(`${base}${req.path}`, { method: "POST", headers: req.headers, body: req.text });
  if (check.status !== 200) throw new Error(`encrypt-data answered ${check.status}: ${await check.text()}`);
  return measure(name, { url: `${base}${req.path}`, method: "POST", headers: req.headers, body: req.text });
}

async function createKey(base: string, credentials: Credentials): Promise<string> {
  const req = await signedPost(base, credentials, "create-key", { key_alias: `bench-${Date.now()}` });
  const res = await fetch(`${base}${req.path}`, { method: "POST", headers: req.headers, body: req.text });
  const json = (await res.json()) as { key_info: { key_id: string } };
  return json.key_info.key_id;
}

async function main() {
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${SECONDS} s per run (+2 s warm-up); KMS_WORKERS=${WORKERS}\n`,
  );
  const ceiling = await bareNodeHttp();

  const dataDir = mkdtempSync(join(tmpdir(), "kms-bench-"));
  const results: Figures[] = [ceiling];
  try {
    const metered = await kmsServer({}, dataDir);
    let keyId: string;
    try {
      const noop = await measure("KMS server no-op route", { url: `${metered.base}/v1.0/noop` });
      keyId = await createKey(metered.base, metered.credentials);
      const enc = await encryptRun(
        "encrypt-data 256 B, signed, metered",
        metered.base,
        metered.credentials,
        keyId,
      );
      results.push(noop, enc);
    } finally {
      await stop(metered.child);
    }
    const unmetered = await kmsServer({ KMS_METERING: "off" }, dataDir);
    try {
      results.push(
        await encryptRun(
          "encrypt-data 256 B, signed, metering off",
          unmetered.base,
          unmetered.credentials,
          keyId,
        ),
      );
    } finally {
      await stop(unmetered.child);
    }
    const single = await kmsServer({ KMS_WORKERS: "1" }, dataDir);
    try {
      results.push(
        await encryptRun("encrypt-data, metered, one process", single.base, single.credentials, keyId),
      );
    } finally {
      await stop(single.child);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const [http, noop, enc, encOff, encSingle] = results as [Figures, Figures, Figures, Figures, Figures];
  console.log("\nratios");
  console.log(`  KMS no-op / node:http           ${(noop.rps / http.rps).toFixed(2)}`);
  console.log(`  encrypt-data / KMS no-op        ${(enc.rps / noop.rps).toFixed(2)}   (target ≥ 0.40)`);
  console.log(`  encrypt-data / node:http        ${(enc.rps / http.rps).toFixed(2)}`);
  console.log(
    `  metering overhead               ${((1 - enc.rps / encOff.rps) * 100).toFixed(1)} %  (target ≤ 5 %)`,
  );
  console.log(`  encrypt-data requests/s         ${enc.rps}   (target ≥ 20,000)`);
  console.log(`  ${WORKERS} workers / one process        ${(enc.rps / encSingle.rps).toFixed(2)}`);
}

await main();
