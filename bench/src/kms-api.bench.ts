/**
 * Data-plane benchmark: the machine's HTTP ceiling, the KMS server's own no-op route, and
 * encrypt-data of 256 bytes (signed, metered / not metered / in one process), measured in one run
 * so that the ratios compare like with like on a noisy machine.
 *
 *   pnpm bench            (from the repository root; builds first)
 *   BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CONNECTIONS=64 BENCH_WORKERS=2 pnpm bench
 *
 * Every server runs in its own process (autocannon, in this process, shares no event loop with
 * them) and all are started first; then each round measures every run once, so slow spells of the
 * machine spread over all of them, and the medians over the rounds are reported. The KMS runs use
 * KMS_WORKERS=BENCH_WORKERS (2 by default: one per core of the machine the figures in
 * BENCHMARKS.md come from); encrypt-data is also measured with one process, metered and not.
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = process.env.BENCH_WORKERS ?? "2";
const here = fileURLToPath(new URL(".", import.meta.url));
const kmsCli = resolve(here, "../../apps/kms/dist/cli.js");

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** One thing measured: a name and the autocannon request that measures it. */
interface Run {
  name: string;
  options: autocannon.Options;
  rounds: Figures[];
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

async function measure(run: Run): Promise<Figures> {
  // a short warm-up lets the JIT settle (and the previous run's connections close) first
  await autocannon({ ...run.options, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ ...run.options, connections: CONNECTIONS, duration: SECONDS });
  const figures = {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
  console.log(
    `  ${run.name.padEnd(44)} ${String(figures.rps).padStart(7)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms` +
      (figures.errors || figures.non2xx ? `  (errors ${figures.errors}, non-2xx ${figures.non2xx})` : ""),
  );
  return figures;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

interface Credentials {
  projectId: string;
  users: { admin: { ak: string; sk: string } };
}

const children: ChildProcess[] = [];
const dataDirs: string[] = [];

async function bareNodeHttp(): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, s) => { s.statusCode = 204; s.end(); }).listen(${port}, "127.0.0.1")`,
    ],
    { stdio: "inherit" },
  );
  children.push(child);
  await waitFor(`http://127.0.0.1:${port}/`, child);
  return `http://127.0.0.1:${port}/`;
}

/** A `kms serve` on its own fresh data directory, with one key created for the runs. */
async function kmsServer(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "kms-bench-"));
  dataDirs.push(dataDir);
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
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/health`, child);
  const credentials = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8")) as Credentials;
  const created = await signedPost(base, credentials, "create-key", { key_alias: "bench" });
  const res = await fetch(`${base}${created.path}`, {
    method: "POST",
    headers: created.headers,
    body: created.text,
  });
  const keyId = ((await res.json()) as { key_info: { key_id: string } }).key_info.key_id;
  return { base, credentials, keyId };
}

function signedPost(base: string, credentials: Credentials, op: string, body: unknown) {
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

/** One signed encrypt-data request, replayed: X-Sdk-Date stays valid for 15 minutes. */
async function encryptOptions(server: Awaited<ReturnType<typeof kmsServer>>): Promise<autocannon.Options> {
  const plainText = randomBytes(192).toString("base64"); // 256 characters
  const req = signedPost(server.base, server.credentials, "encrypt-data", {
    key_id: server.keyId,
    plain_text: plainText,
  });
  const check = await fetch(`${server.base}${req.path}`, {
    method: "POST",
    headers: req.headers,
    body: req.text,
  });
  if (check.status !== 200) throw new Error(`encrypt-data answered ${check.status}: ${await check.text()}`);
  return { url: `${server.base}${req.path}`, method: "POST", headers: req.headers, body: req.text };
}

async function main() {
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per run (+2 s warm-up); ` +
      `KMS_WORKERS=${WORKERS}\n`,
  );
  const ceiling = await bareNodeHttp();
  const metered = await kmsServer({});
  const unmetered = await kmsServer({ KMS_METERING: "off" });
  const single = await kmsServer({ KMS_WORKERS: "1" });
  const singleUnmetered = await kmsServer({ KMS_WORKERS: "1", KMS_METERING: "off" });
  const runs: Run[] = [
    { name: "node:http no-op (the machine's ceiling)", options: { url: ceiling }, rounds: [] },
    { name: "KMS server no-op route", options: { url: `${metered.base}/v1.0/noop` }, rounds: [] },
    { name: "encrypt-data 256 B, signed, metered", options: await encryptOptions(metered), rounds: [] },
    {
      name: "encrypt-data 256 B, signed, metering off",
      options: await encryptOptions(unmetered),
      rounds: [],
    },
    { name: "encrypt-data, metered, one process", options: await encryptOptions(single), rounds: [] },
    {
      name: "encrypt-data, metering off, one process",
      options: await encryptOptions(singleUnmetered),
      rounds: [],
    },
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}`);
    for (const run of runs) run.rounds.push(await measure(run));
  }

  console.log(`\nmedians of ${ROUNDS} rounds`);
  const m = runs.map((run) => ({
    name: run.name,
    rps: median(run.rounds.map((f) => f.rps)),
    p50: median(run.rounds.map((f) => f.p50)),
    p99: median(run.rounds.map((f) => f.p99)),
  }));
  for (const f of m) {
    console.log(
      `  ${f.name.padEnd(44)} ${String(f.rps).padStart(7)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms`,
    );
  }
  const [http, noop, enc, encOff, encSingle, encSingleOff] = m as [
    (typeof m)[0],
    (typeof m)[0],
    (typeof m)[0],
    (typeof m)[0],
    (typeof m)[0],
    (typeof m)[0],
  ];
  console.log("\nratios (of the medians)");
  console.log(`  KMS no-op / node:http           ${(noop.rps / http.rps).toFixed(2)}`);
  console.log(`  encrypt-data / KMS no-op        ${(enc.rps / noop.rps).toFixed(2)}   (target ≥ 0.40)`);
  console.log(`  encrypt-data / node:http        ${(enc.rps / http.rps).toFixed(2)}`);
  console.log(
    `  metering overhead               ${((1 - enc.rps / encOff.rps) * 100).toFixed(1)} %  (target ≤ 5 %)`,
  );
  console.log(
    `  metering overhead, one process  ${((1 - encSingle.rps / encSingleOff.rps) * 100).toFixed(1)} %`,
  );
  console.log(`  encrypt-data requests/s         ${enc.rps}   (target ≥ 20,000)`);
  console.log(`  ${WORKERS} workers / one process        ${(enc.rps / encSingle.rps).toFixed(2)}`);
}

try {
  await main();
} finally {
  await Promise.all(children.map(stop));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
