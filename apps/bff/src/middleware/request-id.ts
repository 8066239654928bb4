import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Log } from "../context.js";

/** Gives each request an id (X-Request-Id) and logs one line when it ends: no query, no body. */
export function requestId(log: Log): RequestHandler {
  return (req, res, next) => {
    const id = randomUUID();
    const started = performance.now();
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    res.on("finish", () => {
      log({
        requestId: id,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(res.locals.errorCode ? { code: String(res.locals.errorCode) } : {}),
      });
    });
    next();
  };
}
