import { randomUUID } from "node:crypto";
import type { TCaller } from "@kms/domain";
import { type Clock, type KmsEngine, KmsError } from "@kms/engine";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type Authenticator, createAuthenticator } from "./auth/authenticate.js";
import { asKmsError, fromCode, mapError } from "./errors.js";
import { cryptoRoutes } from "./routes/crypto.js";
import type { KmsRoute } from "./routes/define.js";
import { grantRoutes } from "./routes/grants.js";
import { keyRoutes } from "./routes/keys.js";
import { projectRoutes } from "./routes/project.js";
import { rotationRoutes } from "./routes/rotation.js";
import { systemRoutes } from "./routes/system.js";
import { tagRoutes } from "./routes/tags.js";
import { keyRef } from "./wire/common.js";
import { parseBody } from "./wire/validate.js";

export interface KmsApiOptions {
  engine: KmsEngine;
  /** The clock X-Sdk-Date is checked against; the system clock by default. */
  clock?: Clock;
  /** Largest request body in bytes (KMS.0203 above it). 64 KiB by default. */
  bodyLimit?: number;
  /** pino level ("info", "debug", …); logging is off when unset. Logs never carry bodies or headers. */
  logLevel?: string;
  /** How long a verified access key's credential is cached (ms); 0 turns the cache off. */
  credentialCacheTtlMs?: number;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export const ALL_ROUTES: readonly KmsRoute[] = [
  ...keyRoutes,
  ...cryptoRoutes,
  ...rotationRoutes,
  ...tagRoutes,
  ...grantRoutes,
  ...projectRoutes,
];

const systemClock: Clock = { now: () => new Date() };

/**
 * The Huawei-compatible KMS API. Every route under /v1.0/{project_id}/kms/ is AK/SK-signed; the
 * version list, /health and the /v1.0/noop benchmark probe are not. Call `listen` separately.
 */
export function createKmsApi(options: KmsApiOptions): FastifyInstance {
  const { engine } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: options.logLevel ? { level: options.logLevel } : false,
    bodyLimit,
    genReqId: () => randomUUID(),
    // A client cannot choose the request ID that ends up in our logs.
    requestIdHeader: false,
    frameworkErrors(err, req, reply) {
      const m = mapError(err);
      (reply as FastifyReply)
        .header("x-request-id", req.id ?? randomUUID())
        .code(m.status)
        .send(m.body);
    },
  });

  const auth = createAuthenticator({
    engine,
    clock: options.clock ?? systemClock,
    cacheTtlMs: options.credentialCacheTtlMs,
    onRefusalError: (e) => app.log.error({ err: errorName(e) }, "recording a refusal failed"),
  });
  const regionOf = createRegionLookup(engine);

  // Keep the raw bytes: the signature covers the exact body, so JSON is parsed only after it is checked.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", (req, reply, done) => {
    reply.header("x-request-id", req.id);
    done();
  });

  const known: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  app.addHook("onRoute", (r) => {
    const pattern = new RegExp(`^${r.url!.replace(/[.]/g, "\\.").replace(/:[^/]+/g, "[^/]+")}/?$`);
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const entry = known.find((k) => k.pattern.source === pattern.source);
    if (entry) for (const m of methods) entry.methods.add(m);
    else known.push({ pattern, methods: new Set(methods) });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0]!;
    const methodMismatch = known.some((k) => k.pattern.test(path) && !k.methods.has(req.method));
    const m = fromCode(methodMismatch ? "KMS.0215" : "KMS.0201");
    reply.code(m.status).send(m.body);
  });

  app.setErrorHandler((err, req, reply) => {
    const m = mapError(err);
    if (m.unexpected) {
      // Only the code and the request ID: an unexpected error may carry internals or inputs.
      req.log.error({ code: "KMS.0101", reqId: req.id, err: errorName(err) }, "unexpected error");
    }
    reply.code(m.status).send(m.body);
  });

  app.register(systemRoutes);
  for (const r of ALL_ROUTES) {
    app.route({
      method: r.method,
      url: `/v1.0/:project_id/kms/${r.path}`,
      schema: r.response ? { response: { 200: r.response } } : undefined,
      handler: makeHandler(r, engine, auth, regionOf),
    });
  }
  return app;
}

function makeHandler(
  r: KmsRoute,
  engine: KmsEngine,
  auth: Authenticator,
  regionOf: (projectId: string) => Promise<string>,
) {
  const keyInPath = r.path.includes(":key_id");
  return async function handler(req: FastifyRequest, reply: FastifyReply) {
    await turnEnd();
    const params = req.params as Record<string, string>;
    const rawBody = req.body as Buffer | undefined;
    const authenticated = auth.authenticate(
      { method: req.method, url: req.url, headers: req.headers, body: rawBody },
      params.project_id!,
      r.operation,
      keyInPath ? (params.key_id ?? null) : null,
    );
    const caller = authenticated instanceof Promise ? await authenticated : authenticated;
    let body: unknown;
    try {
      if (keyInPath) parseBody(keyRef, params.key_id);
      body = parseBody(r.body, readJson(rawBody));
    } catch (e) {
      await refuseBadInput(auth, caller, r, params, rawBody, e);
      throw e;
    }
    const result = await r.handle({
      engine,
      caller,
      body,
      params,
      region: () => regionOf(caller.projectId),
    });
    if (r.status === 204) return reply.code(204).send();
    if (result === undefined) return reply.send();
    return result;
  };
}

async function refuseBadInput(
  auth: Authenticator,
  caller: TCaller,
  r: KmsRoute,
  params: Record<string, string>,
  rawBody: Buffer | undefined,
  e: unknown,
) {
  const err = asKmsError(e);
  if (!err) return;
  await auth.refuse(caller, r.operation, params.key_id ?? keyIdOf(rawBody), err.code);
}

/** The key_id of a body that failed validation, if it has a plausible one (for the audit trail). */
function keyIdOf(raw: Buffer | undefined): string | null {
  try {
    const v = raw && raw.length > 0 ? (JSON.parse(raw.toString("utf8")) as { key_id?: unknown }) : undefined;
    return typeof v?.key_id === "string" && v.key_id.length <= 64 ? v.key_id : null;
  } catch {
    return null;
  }
}

/** The body as a JSON object; an empty body is an empty object (GET, DELETE, bodiless POST). */
export function readJson(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new KmsError("KMS.0202");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KmsError("KMS.0202", "The body must be a JSON object.");
  }
  return value;
}

let turnEnding: Promise<void> | undefined;

/**
 * Resolves, for all its callers at once, when the current event-loop turn's I/O callbacks are done.
 * Handlers wait for it before they check the signature, so the requests of one turn go through
 * each stage together (read all, then authenticate and validate all, then look up, encrypt and
 * answer all: see perTurn in the store) rather than one by one through every stage. Running the
 * same code back to back keeps it in the CPU's caches: +8 to +20 % requests/s for encrypt-data on
 * the benchmark VM (BENCHMARKS.md).
 */
function turnEnd(): Promise<void> {
  turnEnding ??= new Promise((resolve) =>
    setImmediate(() => {
      turnEnding = undefined;
      resolve();
    }),
  );
  return turnEnding;
}

/** Project → region, for Huawei's `realm`/`region_id`; projects are few and never move. */
function createRegionLookup(engine: KmsEngine) {
  const regions = new Map<string, string>();
  return async (projectId: string): Promise<string> => {
    const known = regions.get(projectId);
    if (known !== undefined) return known;
    for (const p of await engine.listProjects()) regions.set(p.id, p.region);
    return regions.get(projectId) ?? "";
  };
}

const errorName = (e: unknown): string =>
  e instanceof Error ? `${e.name}${"code" in e ? ` ${String(e.code)}` : ""}` : typeof e;
