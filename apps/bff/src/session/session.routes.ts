import { type TSession, ZLoginRequest, ZSession } from "@kms/domain";
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import type { AppDeps, SessionContext } from "../context.js";
import { AppError } from "../errors.js";
import type { Api } from "../middleware/validate.js";
import { projectsOf } from "./callers.js";
import { checkCsrf } from "./csrf.js";
import { clearSessionCookie, hashToken, newToken, SESSION_TTL_MS, setSessionCookie } from "./sessions.js";

export interface LoginRateLimit {
  windowMs: number;
  limit: number;
}

/**
 * Sign-in attempts per client address. express-rate-limit's memory store counts per process: with
 * several BFF instances each allows `limit` (a shared store would be needed to count across them).
 */
export function loginLimiter(opts: LoginRateLimit): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError("CONSOLE.0429")),
  });
}

/** The session as the console sees it; undefined once the user has no role in any project. */
async function sessionBody(deps: AppDeps, s: SessionContext): Promise<TSession | undefined> {
  const [first, ...rest] = await projectsOf(deps, s);
  if (!first) return undefined;
  return { username: s.username, projectId: first.id, projects: [first, ...rest], csrfToken: s.csrfToken };
}

export function registerSessionRoutes(api: Api, deps: AppDeps): void {
  api.add(
    {
      method: "post",
      path: "/api/session",
      summary: "Sign in; sets the session cookie and returns the CSRF token",
      tag: "session",
      auth: "public",
      body: ZLoginRequest,
      response: ZSession,
      status: 201,
    },
    async ({ body, res }) => {
      const principal = await deps.engine.verifyPassword(deps.domainId, body.username, body.password);
      if (principal?.kind !== "user") throw new AppError("CONSOLE.0402");
      const now = deps.clock.now();
      const token = newToken();
      const session: SessionContext = {
        idHash: hashToken(token),
        principalId: principal.id,
        username: principal.name,
        domainId: deps.domainId,
        csrfToken: newToken(),
      };
      // A user with no role in any project has nothing to sign in to.
      const signedIn = await sessionBody(deps, session);
      if (!signedIn) throw new AppError("KMS.0306", "You have no role in any project of this account.");
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
      await deps.sessions.insertSession({ ...session, createdAt: now, expiresAt });
      // Housekeeping rides on sign-in: cheap, and needs no timer in any instance.
      await deps.sessions.deleteExpiredSessions(now);
      setSessionCookie(res, deps, token);
      return signedIn;
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/session",
      summary: "Who am I: user, the projects I have a role in (with the role) and the CSRF token",
      tag: "session",
      auth: "session",
      response: ZSession,
    },
    async ({ session, res }) => {
      const body = await sessionBody(deps, session);
      if (body) return body;
      // Every role was taken away: the session has nothing left to show.
      await deps.sessions.deleteSession(session.idHash);
      clearSessionCookie(res, deps);
      throw new AppError("CONSOLE.0401");
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/session",
      summary: "Sign out (needs X-CSRF-Token while signed in)",
      tag: "session",
      auth: "public",
      produces: "empty",
    },
    async ({ session, req, res }) => {
      if (session) {
        checkCsrf(req, session);
        await deps.sessions.deleteSession(session.idHash);
      }
      clearSessionCookie(res, deps);
      return undefined;
    },
  );
}
