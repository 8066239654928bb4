import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { httpRequest, resetConnections } from "./http.js";
import type { AccessKeyPair } from "./sign.js";
import { type Defer, tempDir } from "./temp.js";

/** credentials.json as the issue specifies it (other fields may exist). */
export interface Credentials {
  domainId: string;
  projectId: string;
  region: string;
  kms: { endpoint: string };
  users: Record<"admin" | "viewer", AccessKeyPair & { password: string; principalId: string }>;
  services: Record<string, AccessKeyPair & { principalId: string }>;
}

export interface ServeHandle {
  baseUrl: string;
  port: number;
  dataDir: string;
  credentials: Credentials;
  child: ChildProcess;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, as `kill -9`, and wait for exit. */
  kill9(): Promise<void>;
}

export const CLI_PATH = fileURLToPath(new URL("../../../apps/kms/dist/cli.js", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function readCredentials(dataDir: string): Promise<Credentials> {
  return JSON.parse(await readFile(`${dataDir}/credentials.json`, "utf8")) as Credentials;
}

/**
 * Starts `node apps/kms/dist/cli.js serve` on `dataDir` and a free port, and waits for /health.
 * `databaseUrl` selects PostgreSQL (KMS_DATABASE_URL); otherwise the embedded SQLite file is used.
 */
export async function startServe(options: {
  dataDir: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ServeHandle> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KMS_DATA_DIR: options.dataDir,
    KMS_PORT: String(port),
    KMS_HOST: "127.0.0.1",
    NODE_ENV: "production",
    ...options.env,
  };
  delete env.KMS_DATABASE_URL;
  delete env.KMS_ROOT_KEY;
  if (options.databaseUrl) env.KMS_DATABASE_URL = options.databaseUrl;
  const child = spawn(process.execPath, [CLI_PATH, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (c: Buffer) => {
    out += c.toString("utf8");
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`serve exited before it was healthy:\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`serve was not healthy within the timeout:\n${out}`);
    }
    try {
      const res = await httpRequest(`${baseUrl}/health`, { method: "GET", timeoutMs: 2_000 });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const waitExit = async (signal: NodeJS.Signals, graceMs: number) => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exit;
    clearTimeout(timer);
    resetConnections();
  };
  return {
    baseUrl,
    port,
    dataDir: options.dataDir,
    credentials: await readCredentials(options.dataDir),
    child,
    output: () => out,
    alive: () => !exited,
    stop: () => waitExit("SIGTERM", 10_000),
    kill9: () => waitExit("SIGKILL", 10_000),
  };
}

/** `startServe` on a fresh temporary data directory; `defer` stops the server and removes the directory. */
export async function serveInTempDir(
  prefix: string,
  defer: Defer,
  env?: Record<string, string>,
): Promise<ServeHandle> {
  const dir = await tempDir(prefix);
  let server: ServeHandle | undefined;
  defer(async () => {
    await server?.stop();
    await dir.remove();
  });
  server = await startServe({ dataDir: dir.path, env });
  return server;
}
