import {
  MANAGEMENT_OPERATIONS,
  type TAuditEvent,
  type TConsoleEvent,
  ZConsoleEvent,
  ZProjectQuery,
} from "@kms/domain";
import type { Response } from "express";
import type { AppDeps, SessionContext } from "../context.js";
import type { Api } from "../middleware/validate.js";
import { callerFor } from "../session/callers.js";
import { currentMonth } from "../usage/usage.routes.js";

export interface EventOptions {
  /** How often each connection polls the audit feed (every instance sees every write). */
  pollMs: number;
  heartbeatMs: number;
  /** Usage ticks every this many polls. */
  usageEvery: number;
}

export const DEFAULT_EVENT_OPTIONS: EventOptions = { pollMs: 1000, heartbeatMs: 15_000, usageEvery: 5 };

/** What the console hears about an audit event; refused calls and reads are not news. */
export function toConsoleEvent(e: TAuditEvent): TConsoleEvent | undefined {
  if (e.result !== "success" || e.keyId === null) return undefined;
  const time = e.time.toISOString();
  if (e.operation === "create-key") return { type: "key-created", keyId: e.keyId, time };
  if (e.operation === "create-default-key") {
    const service = e.details.service;
    return {
      type: "default-key-created",
      keyId: e.keyId,
      service: typeof service === "string" ? service : null,
      time,
    };
  }
  if (MANAGEMENT_OPERATIONS.has(e.operation))
    return { type: "key-changed", keyId: e.keyId, action: e.operation, time };
  return undefined;
}

function send(res: Response, event: TConsoleEvent): void {
  const parsed = ZConsoleEvent.parse(event);
  res.write(`event: ${parsed.type}\ndata: ${JSON.stringify(parsed)}\n\n`);
}

/**
 * Server-sent events. Each connection polls the database (audit feed, month usage), so a change
 * made through any instance reaches every console; it ends when the session ends or the client goes.
 */
export function registerEventRoutes(
  api: Api,
  deps: AppDeps,
  opts: EventOptions = DEFAULT_EVENT_OPTIONS,
): void {
  api.add(
    {
      method: "get",
      path: "/api/events",
      summary: "Server-sent events: key-created, key-changed, default-key-created, usage",
      tag: "events",
      auth: "session",
      query: ZProjectQuery,
      produces: "sse",
    },
    async ({ session, query, req, res }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const { cursor } = await deps.reports.auditFeed(caller, null);
      res.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      });
      res.write(": connected\n\n");
      follow(deps, opts, session, caller.projectId, cursor, res);
      req.on("close", () => res.end());
      return undefined;
    },
  );
}

function follow(
  deps: AppDeps,
  opts: EventOptions,
  session: SessionContext,
  projectId: string,
  start: string | null,
  res: Response,
): void {
  let cursor = start;
  let busy = false;
  let polls = 0;
  let lastTotal: number | undefined;
  const stop = () => {
    clearInterval(poller);
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  };
  const poll = async () => {
    if (busy || res.writableEnded) return;
    busy = true;
    try {
      if (!(await deps.sessions.getSession(session.idHash, deps.clock.now()))) return stop();
      // The role is read again on every poll: a role taken away ends the stream at once.
      const caller = await callerFor(deps, session, projectId).catch(() => undefined);
      if (!caller) return stop();
      const feed = await deps.reports.auditFeed(caller, cursor);
      for (const item of feed.items) {
        const event = toConsoleEvent(item);
        if (event) send(res, event);
      }
      cursor = feed.cursor ?? cursor;
      if (polls++ % opts.usageEvery === 0) {
        const month = currentMonth(deps.clock.now());
        const summary = await deps.reports.monthSummary(caller, month);
        if (summary.totalRequests !== lastTotal) {
          lastTotal = summary.totalRequests;
          send(res, { type: "usage", month, totalRequests: summary.totalRequests });
        }
      }
    } catch (e) {
      deps.log({ level: "error", event: "sse-poll-failed", error: e instanceof Error ? e.name : typeof e });
      stop();
    } finally {
      busy = false;
    }
  };
  const poller = setInterval(() => void poll(), opts.pollMs);
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(": ping\n\n");
  }, opts.heartbeatMs);
  res.on("close", stop);
  void poll();
}
