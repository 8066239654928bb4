import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Embedded, type EmbeddedConfig, openEmbedded, readConfig } from "@kms/api";
import { createReports, systemClock } from "@kms/engine";
import { createApp } from "./app.js";
import type { Log } from "./context.js";

export interface BffConfig {
  host: string;
  port: number;
  secureCookies: boolean;
  staticDir: string | undefined;
  trustProxy: boolean;
  /** How long a client has to send a whole request (10 s; Node's own default is 5 minutes). */
  requestTimeoutMs: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** apps/console/dist beside this package (apps/bff/dist → apps/console/dist). */
const CONSOLE_DIST = path.resolve(here, "../../console/dist");

/** PORT (default 8080), KMS_CONSOLE_HOST, KMS_CONSOLE_SECURE_COOKIES, KMS_CONSOLE_DIR, KMS_CONSOLE_TRUST_PROXY. */
export function readBffConfig(env: NodeJS.ProcessEnv = process.env): BffConfig {
  const portText = env.PORT ?? "8080";
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535)
    throw new Error(`PORT must be a port number, got "${portText}"`);
  const dir = env.KMS_CONSOLE_DIR ?? CONSOLE_DIST;
  return {
    host: env.KMS_CONSOLE_HOST || "127.0.0.1",
    port,
    secureCookies: ["1", "true", "on"].includes((env.KMS_CONSOLE_SECURE_COOKIES ?? "").toLowerCase()),
    staticDir: existsSync(dir) ? dir : undefined,
    trustProxy: ["1", "true", "on"].includes((env.KMS_CONSOLE_TRUST_PROXY ?? "").toLowerCase()),
    requestTimeoutMs: 10_000,
  };
}

/**
 * A project is a demo when `<dataDir>/demo.json` (written by cloud-sim's demo seed) names it. Read
 * on each call, so seeding or removing the file needs no restart; any unreadable file means no.
 */
export function demoProjectCheck(dataDir: string): (projectId: string) => boolean {
  const file = path.join(dataDir, "demo.json");
  return (projectId) => {
    try {
      const marker: unknown = JSON.parse(readFileSync(file, "utf8"));
      return (
        typeof marker === "object" &&
        marker !== null &&
        (marker as { projectId?: unknown }).projectId === projectId
      );
    } catch {
      return false;
    }
  };
}

export interface RunningBff {
  url: string;
  server: Server;
  embedded: Embedded;
  close(): Promise<void>;
}

const jsonLog: Log = (entry) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/**
 * Opens the embedded data directory (the same one the KMS API uses: KMS_DATA_DIR or
 * KMS_DATABASE_URL) and listens. The store is the single source of truth: sessions, keys and
 * counters are read from it on every request, so any number of instances may share it.
 */
export async function serve(
  bff: BffConfig = readBffConfig(),
  kms: EmbeddedConfig = readConfig(),
  log: Log = jsonLog,
): Promise<RunningBff> {
  const embedded = await openEmbedded(kms, (line) => process.stderr.write(`${line}\n`), {
    meteringJournal: "bff",
  });
  const { store } = embedded;
  const app = createApp({
    engine: embedded.engine,
    reports: createReports({ store, clock: systemClock, pricing: embedded.engine.pricing }),
    sessions: store,
    clock: systemClock,
    domainId: embedded.credentials.domainId,
    staticDir: bff.staticDir,
    secureCookies: bff.secureCookies,
    trustProxy: bff.trustProxy,
    isDemoProject: demoProjectCheck(embedded.config.dataDir),
    log,
  });
  const server = createServer(
    {
      // A request (headers and body) must arrive whole within this time, or it gets a 408 and
      // the connection closes; Node checks once per interval. SSE responses are not affected.
      requestTimeout: bff.requestTimeoutMs,
      headersTimeout: bff.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, bff.requestTimeoutMs),
    },
    app,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(bff.port, bff.host, () => resolve());
    });
  } catch (e) {
    await embedded.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${bff.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    embedded,
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await embedded.close();
      })();
      return closing;
    },
  };
}
