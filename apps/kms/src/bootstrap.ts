import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { TPricing, TRole, TServiceCode } from "@kms/domain";
import {
  createKms,
  createRootKey,
  type KmsEngine,
  loadPricing,
  PricingConfigError,
  type ProvisionedProject,
  systemClock,
  systemRandom,
} from "@kms/engine";
import { type FullStore, type MeteringSync, openStore } from "@kms/store";
import type { FastifyInstance } from "fastify";
import { createKmsApi } from "./app.js";

/** The embedded default's settings, from the environment. */
export interface EmbeddedConfig {
  dataDir: string;
  host: string;
  port: number;
  /** postgres://… to use PostgreSQL instead of `<dataDir>/kms.sqlite`. */
  databaseUrl?: string;
  /** Base64 of the 32-byte root key; `<dataDir>/root.key` when unset. */
  rootKey?: string;
  logLevel?: string;
  metering: boolean;
  /**
   * When counts reach the disk (KMS_METERING_SYNC): the embedded store's metering journals (see
   * usage-journal.ts), or PostgreSQL's commit of a batch of counts (see postgres.ts).
   */
  meteringSync: MeteringSync;
  /** HTTP worker processes for `serve` (KMS_WORKERS; "auto" is one per CPU). 1 serves in-process. */
  workers: number;
  region: string;
  /** Prices: the documented defaults with KMS_PRICING_FILE and KMS_PRICE_* overrides applied. */
  pricing: TPricing;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads KMS_DATA_DIR, KMS_HOST, KMS_PORT, KMS_DATABASE_URL, KMS_ROOT_KEY, KMS_LOG, KMS_METERING,
 * KMS_METERING_SYNC, KMS_WORKERS and the pricing overrides (KMS_PRICING_FILE,
 * KMS_PRICE_KEY_VERSION_HOURLY, KMS_FREE_REQUESTS, KMS_PRICE_PER_10K_REQUESTS, KMS_CURRENCY).
 * A relative data directory is resolved against where the user ran the command: pnpm runs the
 * app's start script in apps/kms but sets INIT_CWD to the directory it was invoked from.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): EmbeddedConfig {
  const base = env.INIT_CWD || process.cwd();
  const portText = env.KMS_PORT ?? "8081";
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new ConfigError(`KMS_PORT must be a port number (0-65535), got "${portText}"`);
  }
  const workersText = env.KMS_WORKERS || "1";
  const workers = workersText === "auto" ? Math.min(availableParallelism(), 64) : Number(workersText);
  if (!/^(\d{1,2}|auto)$/.test(workersText) || workers < 1 || workers > 64) {
    throw new ConfigError(`KMS_WORKERS must be 1 to 64 or "auto", got "${workersText}"`);
  }
  const metering = (env.KMS_METERING ?? "on").toLowerCase();
  if (!["on", "off", "true", "false", "1", "0"].includes(metering)) {
    throw new ConfigError(`KMS_METERING must be on or off, got "${env.KMS_METERING}"`);
  }
  const meteringSync = env.KMS_METERING_SYNC || "interval";
  if (meteringSync !== "interval" && meteringSync !== "batch") {
    throw new ConfigError(`KMS_METERING_SYNC must be interval or batch, got "${meteringSync}"`);
  }
  return {
    dataDir: path.resolve(base, env.KMS_DATA_DIR || ".data"),
    host: env.KMS_HOST || "127.0.0.1",
    port,
    databaseUrl: env.KMS_DATABASE_URL || undefined,
    rootKey: env.KMS_ROOT_KEY || undefined,
    logLevel: env.KMS_LOG || undefined,
    metering: ["on", "true", "1"].includes(metering),
    meteringSync,
    workers,
    region: "local-1",
    pricing: readPricing(env),
  };
}

function readPricing(env: NodeJS.ProcessEnv): TPricing {
  try {
    return loadPricing(env, (file) =>
      readFileSync(path.resolve(env.INIT_CWD || process.cwd(), file), "utf8"),
    );
  } catch (error) {
    if (error instanceof PricingConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

export type Log = (line: string) => void;

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeRootKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = STRICT_BASE64.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(
      `${source} must be the base64 of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return key;
}

/**
 * The root key: KMS_ROOT_KEY, or `<dataDir>/root.key`, created on first start (mode 0600). A key
 * file next to the database protects nothing against someone who can read the directory: it is for
 * development only, which the warning says.
 */
export function loadRootKey(config: EmbeddedConfig, warn: Log): Buffer {
  if (config.rootKey) return decodeRootKey(config.rootKey, "KMS_ROOT_KEY");
  const file = path.join(config.dataDir, "root.key");
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    warn(
      [
        "",
        "WARNING ********************************************************************",
        `  Created a root key in ${file}.`,
        "  It sits next to the data it protects: FOR DEVELOPMENT ONLY.",
        "  In production set KMS_ROOT_KEY (base64 of 32 bytes) from a secret store.",
        "  Losing this file makes every key in the database unusable.",
        "****************************************************************************",
        "",
      ].join("\n"),
    );
  }
  return decodeRootKey(readFileSync(file, "utf8"), file);
}

/**
 * `username` is the console sign-in name (`admin-staging` in a later project); `principalId` is what
 * a grant names as its grantee (create-grant's grantee_principal).
 */
type UserCredentials = { username?: string; ak: string; sk: string; password: string; principalId?: string };
type ServiceCredentials = { ak: string; sk: string; principalId?: string };

/** The shape of `<dataDir>/credentials.json` (documented in the README). */
export interface CredentialsFile {
  domainId: string;
  projectId: string;
  region: string;
  kms: { endpoint: string };
  users: { admin: UserCredentials; viewer: UserCredentials };
  services: Record<TServiceCode, ServiceCredentials>;
  /** Projects added with `kms add-project`. */
  projects?: Array<{
    projectId: string;
    name: string;
    region: string;
    users: { admin: UserCredentials; viewer: UserCredentials };
    services: Record<TServiceCode, ServiceCredentials>;
  }>;
}

function credentialsOf(p: ProvisionedProject) {
  const user = (u: ProvisionedProject["users"]["admin"]) => ({
    username: u.username,
    ak: u.ak,
    sk: u.sk,
    password: u.password,
    principalId: u.principalId,
  });
  return {
    users: { admin: user(p.users.admin), viewer: user(p.users.viewer) },
    services: Object.fromEntries(
      Object.entries(p.services).map(([code, s]) => [
        code,
        { ak: s.ak, sk: s.sk, principalId: s.principalId },
      ]),
    ) as Record<TServiceCode, ServiceCredentials>,
  };
}

/** Writes the file atomically with mode 0600 (it holds secret keys and passwords). */
export function writeCredentials(file: string, creds: CredentialsFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function readCredentials(file: string): CredentialsFile {
  return JSON.parse(readFileSync(file, "utf8")) as CredentialsFile;
}

export const endpointOf = (host: string, port: number): string =>
  `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;

export interface Embedded {
  config: EmbeddedConfig;
  engine: KmsEngine;
  store: FullStore;
  credentialsFile: string;
  credentials: CredentialsFile;
  close(): Promise<void>;
}

/**
 * Opens the data directory: root key, store (SQLite file or PostgreSQL), engine, and on first start
 * a provisioned "default" project whose credentials go to credentials.json. Later starts reuse it.
 * A process that serves requests names its metering journal (`meteringJournal`, one per process:
 * "kms", "worker-1", "bff"); without one, its counts go straight to the database.
 */
/** mkdir leaves an existing directory's mode alone: say so when others may list or read it. */
function warnIfShared(dataDir: string, log: Log): void {
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & 0o077) {
    log(
      `WARNING: the data directory ${dataDir} is open to other users (mode ${mode.toString(8)}); it holds password hashes, wrapped keys and the audit trail. Run: chmod 700 ${dataDir}`,
    );
  }
}

export async function openEmbedded(
  config: EmbeddedConfig,
  log: Log = console.error,
  options: { meteringJournal?: string } = {},
): Promise<Embedded> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  warnIfShared(config.dataDir, log);
  const rootKey = createRootKey(loadRootKey(config, log));
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(config.dataDir, "kms.sqlite"),
    ...(options.meteringJournal
      ? { meteringJournal: { name: options.meteringJournal, sync: config.meteringSync } }
      : {}),
  });
  let engine: KmsEngine | undefined;
  try {
    await store.migrate();
    engine = createKms({
      store,
      clock: systemClock,
      random: systemRandom,
      rootKey,
      metering: { enabled: config.metering },
      pricing: config.pricing,
    });
    const credentialsFile = path.join(config.dataDir, "credentials.json");
    let credentials: CredentialsFile;
    if (existsSync(credentialsFile)) {
      credentials = readCredentials(credentialsFile);
    } else {
      const p = await engine.provisionProject({ name: "default", region: config.region });
      credentials = {
        domainId: p.project.domainId,
        projectId: p.project.id,
        region: p.project.region,
        kms: { endpoint: endpointOf(config.host, config.port) },
        ...credentialsOf(p),
      };
      writeCredentials(credentialsFile, credentials);
    }
    const opened = engine;
    return {
      config,
      engine,
      store,
      credentialsFile,
      credentials,
      async close() {
        await opened.close();
        await store.close();
      },
    };
  } catch (e) {
    await engine?.close().catch(() => {});
    await store.close().catch(() => {});
    throw e;
  }
}

/** Adds a project to the domain of the data directory and appends its credentials to the file. */
export async function addProject(config: EmbeddedConfig, name: string, log: Log = console.error) {
  const embedded = await openEmbedded(config, log);
  try {
    const p = await embedded.engine.provisionProject({
      name,
      region: config.region,
      domainId: embedded.credentials.domainId,
    });
    const entry = { projectId: p.project.id, name, region: p.project.region, ...credentialsOf(p) };
    const current = readCredentials(embedded.credentialsFile);
    writeCredentials(embedded.credentialsFile, {
      ...current,
      projects: [...(current.projects ?? []), entry],
    });
    return { projectId: p.project.id, credentialsFile: embedded.credentialsFile };
  } finally {
    await embedded.close();
  }
}

/**
 * `kms set-role`: gives a user a role in a project of the data directory's domain (named by ID or
 * name), or takes it away (`none`).
 */
export async function setRole(
  config: EmbeddedConfig,
  input: { user: string; project: string; role: TRole | null },
  log: Log = console.error,
): Promise<{ projectId: string }> {
  const embedded = await openEmbedded(config, log);
  try {
    const { domainId } = embedded.credentials;
    const projects = (await embedded.engine.listProjects()).filter((p) => p.domainId === domainId);
    const project =
      projects.find((p) => p.id === input.project) ?? projects.find((p) => p.name === input.project);
    if (!project) throw new ConfigError(`set-role: no project ${input.project} in this account`);
    await embedded.engine.setUserRole({
      domainId,
      username: input.user,
      projectId: project.id,
      role: input.role,
    });
    return { projectId: project.id };
  } finally {
    await embedded.close();
  }
}

export interface Server {
  app: FastifyInstance;
  embedded: Embedded;
  endpoint: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  log?: Log;
  /** How often due deletions and due rotations are carried out. */
  housekeepingIntervalMs?: number;
}

/** The embedded default: opens the data directory, listens, runs housekeeping timers. */
export async function serve(config: EmbeddedConfig, opts: ServeOptions = {}): Promise<Server> {
  const log = opts.log ?? console.error;
  const embedded = await openEmbedded(config, log, { meteringJournal: "kms" });
  const { engine } = embedded;
  const app = createKmsApi({ engine, logLevel: config.logLevel });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await embedded.close();
    throw e;
  }
  const endpoint = recordEndpoint(embedded, Number(new URL(address).port));
  const stopHousekeeping = startHousekeeping(engine, opts.housekeepingIntervalMs ?? 60_000, log);
  log(`KMS API listening on ${endpoint}`);
  log(`Credentials (AK/SK, console passwords): ${embedded.credentialsFile}`);
  let closing: Promise<void> | undefined;
  return {
    app,
    embedded,
    endpoint,
    close() {
      closing ??= (async () => {
        stopHousekeeping();
        await app.close();
        await embedded.close();
      })();
      return closing;
    },
  };
}

/** Writes the endpoint the server listens on into credentials.json when it changed; returns it. */
export function recordEndpoint(embedded: Embedded, port: number): string {
  const endpoint = endpointOf(embedded.config.host, port);
  if (embedded.credentials.kms.endpoint !== endpoint) {
    embedded.credentials = { ...embedded.credentials, kms: { endpoint } };
    writeCredentials(embedded.credentialsFile, {
      ...readCredentials(embedded.credentialsFile),
      kms: { endpoint },
    });
  }
  return endpoint;
}

/** Carries out due deletions and due rotations every `every` ms; returns the stop function. */
export function startHousekeeping(engine: KmsEngine, every: number, log: Log): () => void {
  const housekeeping = (name: string, task: () => Promise<number>) => {
    const t = setInterval(() => {
      task().catch((e) => log(`${name} failed: ${e instanceof Error ? e.name : typeof e}`));
    }, every);
    t.unref();
    return t;
  };
  const timers = [
    housekeeping("deletion sweep", () => engine.sweepDueDeletions()),
    housekeeping("rotation", () => engine.rotateDueKeys()),
  ];
  return () => {
    for (const t of timers) clearInterval(t);
  };
}
