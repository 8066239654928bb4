/**
 * Data-plane benchmark: the machine's HTTP ceiling, the KMS server's own no-op route, and
 * encrypt-data of 256 bytes (signed, metered / not metered / in one process / with the metering
 * journal synced before each answer, KMS_METERING_SYNC=batch), measured in one run
 * so that the ratios compare like with like on a noisy machine.
 *
 *   pnpm bench            (from the repository root; builds first)
 *   BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CONNECTIONS=64 BENCH_WORKERS=2 BENCH_INSTANCES=3 pnpm bench
 *   BENCH_DATABASE_URL=postgres://127.0.0.1:5432/kms_bench pnpm bench   (adds runs on PostgreSQL)
 *   BENCH_LATENCY_SECONDS=3 pnpm bench   (the one-connection latency pass; 0 leaves it out)
 *
 * Every server runs in its own process (autocannon, in this process, shares no event loop with
 * them) and serves one run only, and all are started first; then each round measures every run
 * once, every other round in reverse order, so slow spells of the machine spread over all of them,
 * and the medians over the rounds are reported, with the ratios both of the medians and within
 * each round. The two sides of the metering overhead each run on BENCH_INSTANCES servers (3 by
 * default), since identical servers differ from one start to the next by about as much as that
 * overhead (see Config). Each run also reports the CPU time per request of the server's processes
 * and of autocannon (Linux /proc), since on a small machine the two share the cores and that sum
 * bounds the rate. The KMS runs use KMS_WORKERS=BENCH_WORKERS (2 by default: one per core of the machine
 * the figures in BENCHMARKS.md come from); encrypt-data is also measured with one process, metered
 * and not.
 * Last, each run's latency for a lone caller: one connection, one request at a time
 * (BENCH_LATENCY_SECONDS each), where batching cannot hide what a request waits for.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signRequest } from "@kms/api";
import autocannon from "autocannon";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = process.env.BENCH_WORKERS ?? "2";
/** Server instances for each side of the metering overhead (see Config). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
/** Seconds of sequential requests on one connection per run, for the latency of a lone caller. */
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 3);
/** An empty PostgreSQL database to also measure encrypt-data on (each server makes its own project in it). */
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const here = fileURLToPath(new URL(".", import.meta.url));
const kmsCli = resolve(here, "../../apps/kms/dist/cli.js");

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time per request of the server's processes (user + kernel), µs; NaN without /proc. */
  serverUs: number;
  /** CPU time per request of this process, which runs autocannon and nothing else meanwhile, µs. */
  clientUs: number;
}

/** One thing measured: a name, the process tree that serves it and the autocannon request. */
interface Run {
  name: string;
  pid: number;
  options: autocannon.Options;
  /** Signs the request afresh: X-Sdk-Date is accepted for 15 minutes, and a long run takes longer. */
  sign?: () => Promise<autocannon.Options>;
  rounds: Figures[];
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + kernel) used so far by a process and its children (the cluster workers),
 * from Linux's /proc; NaN where there is none.
 */
function cpuSeconds(pid: number): number {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    let ticks = 0;
    for (const p of [String(pid), ...children]) {
      // utime and stime are fields 14 and 15; the command name before them may contain spaces
      const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
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
  if (run.sign) run.options = await run.sign();
  // a short warm-up lets the JIT settle (and the previous run's connections close) first
  await autocannon({ ...run.options, connections: CONNECTIONS, duration: 2 });
  const serverBefore = cpuSeconds(run.pid);
  const clientBefore = process.cpuUsage();
  const r = await autocannon({ ...run.options, connections: CONNECTIONS, duration: SECONDS });
  const client = process.cpuUsage(clientBefore);
  const serverSeconds = cpuSeconds(run.pid) - serverBefore;
  const requests = Math.max(1, r.requests.total);
  const figures: Figures = {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    serverUs: (serverSeconds * 1e6) / requests,
    clientUs: (client.user + client.system) / requests,
  };
  console.log(
    `  ${line(run.name, figures)}` +
      (figures.errors || figures.non2xx ? `  (errors ${figures.errors}, non-2xx ${figures.non2xx})` : ""),
  );
  // Refusals are fast: a run that got them measured something else.
  if (figures.non2xx > 0)
    throw new Error(`${run.name} answered ${figures.non2xx} requests with an error status`);
  return figures;
}

/** One request over the agent's single kept-alive connection; resolves with the status once the body is read. */
function once(agent: Agent, options: autocannon.Options): Promise<number> {
  const url = new URL(options.url);
  return new Promise((ok, fail) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? "GET",
        headers: options.headers,
      },
      (res) => {
        res.resume();
        res.on("end", () => ok(res.statusCode ?? 0));
      },
    );
    req.on("error", fail);
    req.end(options.body);
  });
}

/**
 * The latency a lone caller sees: one connection, each request sent when the previous answer has
 * arrived, for LATENCY_SECONDS (after 200 warm-up requests). autocannon reports whole milliseconds,
 * too coarse here, so this times each request itself.
 */
async function latency(run: Run): Promise<{ p50: number; p90: number; p99: number; count: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  if (run.sign) run.options = await run.sign();
  try {
    for (let i = 0; i < 200; i++) await once(agent, run.options);
    const times: number[] = [];
    const end = performance.now() + LATENCY_SECONDS * 1000;
    while (performance.now() < end) {
      const started = performance.now();
      const status = await once(agent, run.options);
      if (status >= 300) throw new Error(`${run.name} answered ${status}`);
      times.push((performance.now() - started) * 1000);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), count: times.length };
  } finally {
    agent.destroy();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** autocannon's whole milliseconds, or a mean of them over instances. */
const ms = (n: number): string => String(Number(n.toFixed(1)));
const us = (n: number): string => (Number.isNaN(n) ? "  n/a" : n.toFixed(0).padStart(5));

function line(name: string, f: Omit<Figures, "errors" | "non2xx">): string {
  return (
    `${name.padEnd(44)} ${String(Math.round(f.rps)).padStart(7)} req/s  p50 ${ms(f.p50)} ms  p99 ${ms(f.p99).padStart(2)} ms` +
    `  CPU/request: server ${us(f.serverUs)} µs, autocannon ${us(f.clientUs)} µs`
  );
}

interface Credentials {
  projectId: string;
  users: { admin: { ak: string; sk: string } };
}

const children: ChildProcess[] = [];
const dataDirs: string[] = [];

async function bareNodeHttp(): Promise<{ url: string; pid: number }> {
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
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid! };
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
  return { base, credentials, keyId, pid: child.pid! };
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

/**
 * A configuration measured on one or more servers of its own (its runs, one per server). Two servers started alike answer at
 * rates that differ by a few per cent for as long as they run (three unmetered ones, measured in
 * turn over 6 rounds: 18,342 / 18,106 / 17,604 requests/s), as much as the metering overhead
 * itself; so the pair that overhead compares runs on several instances each, and a configuration's
 * rate is the mean of its instances' medians.
 */
interface Config {
  name: string;
  runs: Run[];
}

async function main() {
  console.log(
    `autocannon: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per run (+2 s warm-up); ` +
      `KMS_WORKERS=${WORKERS}; ${INSTANCES} server instances for each side of the metering overhead\n`,
  );
  const ceiling = await bareNodeHttp();
  // The no-op route gets a server of its own: other traffic on a measured server changes what its
  // JIT compiled, and measured here it cost an encrypt-data run 2-7 %.
  const noopServer = await kmsServer({});
  const encrypt = async (name: string, env: Record<string, string>): Promise<Run> => {
    const server = await kmsServer(env);
    return {
      name,
      pid: server.pid,
      options: await encryptOptions(server),
      sign: () => encryptOptions(server),
      rounds: [],
    };
  };
  const onInstances = async (name: string, env: Record<string, string>, n: number): Promise<Config> => {
    const runs: Run[] = [];
    for (let i = 1; i <= n; i++) runs.push(await encrypt(n > 1 ? `${name} #${i}` : name, env));
    return { name, runs };
  };
  const one = (run: Run): Config => ({ name: run.name, runs: [run] });
  const http = one({
    name: "node:http no-op (the machine's ceiling)",
    pid: ceiling.pid,
    options: { url: ceiling.url },
    rounds: [],
  });
  const noop = one({
    name: "KMS server no-op route",
    pid: noopServer.pid,
    options: { url: `${noopServer.base}/v1.0/noop` },
    rounds: [],
  });
  const enc = await onInstances("encrypt-data 256 B, signed, metered", {}, INSTANCES);
  const encOff = await onInstances(
    "encrypt-data 256 B, signed, metering off",
    { KMS_METERING: "off" },
    INSTANCES,
  );
  const encSingle = await onInstances("encrypt-data, metered, one process", { KMS_WORKERS: "1" }, 1);
  const encSingleOff = await onInstances(
    "encrypt-data, metering off, one process",
    { KMS_WORKERS: "1", KMS_METERING: "off" },
    1,
  );
  const encBatch = await onInstances(
    "encrypt-data, metered, synced per batch",
    { KMS_METERING_SYNC: "batch" },
    1,
  );
  const configs = [http, noop, enc, encOff, encSingle, encSingleOff, encBatch];
  if (DATABASE_URL) {
    const onPostgres = { KMS_DATABASE_URL: DATABASE_URL };
    configs.push(
      await onInstances("encrypt-data, metered, PostgreSQL", onPostgres, 1),
      await onInstances(
        "encrypt-data, metered, PostgreSQL, one process",
        { ...onPostgres, KMS_WORKERS: "1" },
        1,
      ),
    );
  }
  // The instances of the compared pair take turns, so each metered one is measured next to an unmetered one.
  const runs = configs.flatMap((c) =>
    c === encOff ? [] : c === enc ? enc.runs.flatMap((run, i) => [run, encOff.runs[i]!]) : c.runs,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}`);
    // Every other round runs backwards, so a drift of the machine's speed favours no run.
    for (const run of round % 2 ? runs : [...runs].reverse()) run.rounds.push(await measure(run));
  }

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  /** A configuration's figure: the mean over its instances of each one's median over the rounds. */
  const figure = (c: Config, pick: (f: Figures) => number) =>
    mean(c.runs.map((run) => median(run.rounds.map(pick))));
  const rps = (c: Config) => figure(c, (f) => f.rps);
  /** A configuration's rate in one round: the mean over its instances. */
  const rpsInRound = (c: Config, round: number) => mean(c.runs.map((run) => run.rounds[round]!.rps));

  console.log(
    `\nmedians of ${ROUNDS} rounds (a configuration on several instances: the mean of their medians)`,
  );
  const m = new Map(
    configs.map((c) => [
      c,
      {
        rps: rps(c),
        p50: figure(c, (f) => f.p50),
        p99: figure(c, (f) => f.p99),
        serverUs: figure(c, (f) => f.serverUs),
        clientUs: figure(c, (f) => f.clientUs),
      },
    ]),
  );
  for (const c of configs) {
    if (c.runs.length > 1)
      for (const run of c.runs)
        console.log(
          `    ${run.name.padEnd(44)} ${String(Math.round(median(run.rounds.map((f) => f.rps)))).padStart(7)} req/s`,
        );
    console.log(`  ${line(c.name, m.get(c)!)}`);
  }

  /** a/b of the configurations' rates, and the median of a/b within each round (both measured minutes apart at most). */
  const ratio = (a: Config, b: Config) => ({
    ofMedians: rps(a) / rps(b),
    perRound: median(a.runs[0]!.rounds.map((_, i) => rpsInRound(a, i) / rpsInRound(b, i))),
  });
  const show = (label: string, r: { ofMedians: number; perRound: number }, target = "") =>
    console.log(
      `  ${label.padEnd(31)} ${r.ofMedians.toFixed(2)}  (per round ${r.perRound.toFixed(2)})${target ? `   target ${target}` : ""}`,
    );
  const overhead = (a: Config, b: Config) => {
    const r = ratio(a, b);
    return `${((1 - r.ofMedians) * 100).toFixed(1)} %  (per round ${((1 - r.perRound) * 100).toFixed(1)} %)`;
  };
  console.log("\nratios of the medians (and medians of each round's ratio)");
  show("KMS no-op / node:http", ratio(noop, http));
  show("encrypt-data / KMS no-op", ratio(enc, noop), "≥ 0.40");
  show("encrypt-data / node:http", ratio(enc, http));
  console.log(`  metering overhead               ${overhead(enc, encOff)}   target ≤ 5 %`);
  console.log(`  metering overhead, one process  ${overhead(encSingle, encSingleOff)}`);
  console.log(`  … synced per batch              ${overhead(encBatch, encOff)}`);
  show(`${WORKERS} workers / one process`, ratio(enc, encSingle));
  console.log(`  encrypt-data requests/s         ${Math.round(rps(enc))}   target ≥ 20,000`);

  // The server and autocannon share the machine's cores, so their CPU per request bounds the rate.
  const cores = availableParallelism();
  const encFigures = m.get(enc)!;
  const encCpu = encFigures.serverUs + encFigures.clientUs;
  if (!Number.isNaN(encCpu)) {
    console.log(
      `\nCPU budget: ${cores} cores / 20,000 requests/s = ${((cores * 1e6) / 20_000).toFixed(0)} µs per request for server and autocannon together;` +
        `\n  encrypt-data, metered, used ${encCpu.toFixed(0)} µs (server ${encFigures.serverUs.toFixed(0)}, autocannon ${encFigures.clientUs.toFixed(0)}):` +
        ` at most ${Math.round((cores * 1e6) / encCpu)} requests/s with every core busy.`,
    );
  }

  if (LATENCY_SECONDS <= 0) return;
  console.log(
    `\nlatency of a lone caller: one connection, sequential requests, ${LATENCY_SECONDS} s per run (first instance)`,
  );
  for (const c of configs) {
    const l = await latency(c.runs[0]!);
    console.log(
      `  ${c.name.padEnd(44)} p50 ${us(l.p50)} µs  p90 ${us(l.p90)} µs  p99 ${us(l.p99)} µs  (${l.count} requests)`,
    );
  }
}

try {
  await main();
} finally {
  await Promise.all(children.map(stop));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
