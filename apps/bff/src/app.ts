import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ZHealth } from "@kms/domain";
import type { Clock, KmsEngine, KmsReports, SessionStore } from "@kms/engine";
import express, { type Express } from "express";
import helmet from "helmet";
import { registerAuditRoutes } from "./audit/audit.routes.js";
import type { AppDeps, Log } from "./context.js";
import { AppError } from "./errors.js";
import { DEFAULT_EVENT_OPTIONS, type EventOptions, registerEventRoutes } from "./events/events.routes.js";
import { registerExportRoutes } from "./exports/exports.routes.js";
import { registerKeyRoutes } from "./keys/keys.routes.js";
import { apiNotFound, errorHandler } from "./middleware/error-handler.js";
import { requestId } from "./middleware/request-id.js";
import { createApi } from "./middleware/validate.js";
import { openApiDocument } from "./openapi.js";
import { type LoginRateLimit, loginLimiter, registerSessionRoutes } from "./session/session.routes.js";
import { loadSession } from "./session/sessions.js";
import { registerUsageRoutes } from "./usage/usage.routes.js";

/** Where the console's index.html takes the response's CSP nonce. */
export const CSP_NONCE_PLACEHOLDER = "__CSP_NONCE__";

export interface CreateAppOptions {
  engine: KmsEngine;
  reports: KmsReports;
  sessions: SessionStore;
  clock: Clock;
  domainId: string;
  /** The built console (apps/console/dist); served with an SPA fallback when it exists. */
  staticDir?: string;
  log?: Log;
  secureCookies?: boolean;
  /** Sign-in attempts per client address and window (default 10 per 15 minutes). */
  loginRateLimit?: LoginRateLimit;
  /** Express "trust proxy" (for req.ip behind a reverse proxy); off by default. */
  trustProxy?: boolean | number | string;
  events?: Partial<EventOptions>;
  /** Whether a project was seeded with demo data; none is by default. */
  isDemoProject?: (projectId: string) => boolean;
}

/** JSON bodies: the online tool's 4 KB of text may grow to 6× when escaped as \u00XX. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * A body declared larger than the limit is refused before a byte of it is read, and the
 * connection closed, so nobody can make the server swallow 200 MB (body-parser would drain it).
 */
const refuseOversizedBody: express.RequestHandler = (req, res, next) => {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (!(declared > BODY_LIMIT_BYTES)) return next();
  res.setHeader("connection", "close");
  next(new AppError("KMS.0203"));
};

export function createApp(opts: CreateAppOptions): Express {
  const deps: AppDeps = {
    engine: opts.engine,
    reports: opts.reports,
    sessions: opts.sessions,
    clock: opts.clock,
    domainId: opts.domainId,
    log: opts.log ?? (() => {}),
    secureCookies: opts.secureCookies ?? false,
    isDemoProject: opts.isDemoProject ?? (() => false),
  };
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", opts.trustProxy ?? false);
  // A fresh nonce per response lets the console's own <style> tags in (Radix's scroll lock injects
  // one) while style-src stays closed to anything else; the console reads it from index.html.
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(deps.secureCookies ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: deps.secureCookies,
    }),
  );
  app.use(requestId(deps.log));
  app.use(refuseOversizedBody);

  const router = express.Router();
  // Session tokens and key data: no browser or proxy cache may keep any API answer.
  router.use("/api", (_req, res, next) => {
    res.setHeader("cache-control", "no-store");
    next();
  });
  router.use(express.json({ limit: BODY_LIMIT_BYTES }));
  router.use(loadSession(deps));
  router.post("/api/session", loginLimiter(opts.loginRateLimit ?? { windowMs: 15 * 60_000, limit: 10 }));
  const api = createApi(router);

  api.add(
    {
      method: "get",
      path: "/api/health",
      summary: "Liveness",
      tag: "system",
      auth: "public",
      response: ZHealth,
    },
    async () => ({ status: "ok" as const }),
  );
  registerSessionRoutes(api, deps);
  registerKeyRoutes(api, deps);
  registerUsageRoutes(api, deps);
  registerAuditRoutes(api, deps);
  registerExportRoutes(api, deps);
  registerEventRoutes(api, deps, { ...DEFAULT_EVENT_OPTIONS, ...opts.events });

  const document = openApiDocument(api.routes);
  router.get("/api/openapi.json", (_req, res) => {
    res.json(document);
  });
  router.use("/api", apiNotFound);
  app.use(router);

  const staticDir = opts.staticDir;
  if (staticDir && existsSync(path.join(staticDir, "index.html"))) {
    const indexHtml = readFileSync(path.join(staticDir, "index.html"), "utf8");
    const sendConsole: express.RequestHandler = (req, res, next) => {
      if (req.path === "/api" || req.path.startsWith("/api/")) return next();
      res
        .type("html")
        .setHeader("cache-control", "no-store")
        .send(indexHtml.replaceAll(CSP_NONCE_PLACEHOLDER, res.locals.cspNonce as string));
    };
    // index.html itself never comes from the static files: only this way does it carry the nonce.
    app.get("/index.html", sendConsole);
    app.use(express.static(staticDir, { index: false }));
    // "/" and client-side routes: any other GET outside /api gets the console (Express 5 splat syntax).
    app.get("/{*splat}", sendConsole);
  }
  app.use(apiNotFound);
  app.use(errorHandler(deps.log));
  return app;
}
