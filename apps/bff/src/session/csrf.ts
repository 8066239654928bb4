import { createHash, timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import type { SessionContext } from "../context.js";
import { AppError } from "../errors.js";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither length nor content leaks. */
export function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (typeof sent !== "string" || sent.length === 0) return false;
  return timingSafeEqual(digest(sent), digest(expected));
}

/** Every state-changing request must echo the session's CSRF token in X-CSRF-Token. */
export function checkCsrf(req: Request, session: SessionContext): void {
  if (!csrfMatches(req.get("x-csrf-token"), session.csrfToken)) throw new AppError("CONSOLE.0403");
}
