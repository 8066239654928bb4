import { createHash, randomBytes } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";
import type { RequestHandler, Response } from "express";
import type { AppDeps, SessionContext } from "../context.js";

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** 32 random bytes, base64url: the session token (cookie) and the CSRF token. */
export const newToken = (): string => randomBytes(32).toString("base64url");

/** The database keeps only this digest of the session token. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** `__Host-` pins the cookie to this origin, but browsers accept it only with Secure. */
export const cookieName = (secure: boolean): string => (secure ? "__Host-kms_session" : "kms_session");

/** Max-Age, not Expires: relative to the browser's clock, so clock skew cannot shorten or stretch it. */
export function setSessionCookie(res: Response, deps: AppDeps, token: string): void {
  res.append(
    "Set-Cookie",
    stringifySetCookie({
      name: cookieName(deps.secureCookies),
      value: token,
      httpOnly: true,
      sameSite: "strict",
      secure: deps.secureCookies,
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
    }),
  );
}

export function clearSessionCookie(res: Response, deps: AppDeps): void {
  res.append(
    "Set-Cookie",
    stringifySetCookie({
      name: cookieName(deps.secureCookies),
      value: "",
      httpOnly: true,
      sameSite: "strict",
      secure: deps.secureCookies,
      path: "/",
      expires: new Date(0),
    }),
  );
}

/**
 * Reads the session cookie and looks the session up in the database on every request (never in
 * process memory: another instance may have signed it out). Sets res.locals.session when valid.
 */
export function loadSession(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.headers.cookie;
      const token = header ? parseCookie(header)[cookieName(deps.secureCookies)] : undefined;
      if (token && token.length <= 128) {
        const idHash = hashToken(token);
        const record = await deps.sessions.getSession(idHash, deps.clock.now());
        if (record && record.domainId === deps.domainId) {
          const session: SessionContext = {
            idHash,
            principalId: record.principalId,
            username: record.username,
            domainId: record.domainId,
            csrfToken: record.csrfToken,
          };
          res.locals.session = session;
        }
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}
