import type { NextFunction, Request, Response, Router } from "express";
import type { z } from "zod";
import type { SessionContext } from "../context.js";
import { AppError } from "../errors.js";
import { checkCsrf } from "../session/csrf.js";

type Opt = z.ZodType | undefined;
type Out<S extends Opt> = S extends z.ZodType ? z.output<S> : undefined;
type Method = "get" | "post" | "put" | "patch" | "delete";
type Auth = "public" | "session";

/**
 * One route: what it takes and what it answers, as domain schemas. The same list drives the
 * handlers' validation and the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<
  P extends Opt = Opt,
  Q extends Opt = Opt,
  B extends Opt = Opt,
  R extends Opt = Opt,
  A extends Auth = Auth,
> {
  method: Method;
  /** Express path, e.g. "/api/keys/:id". */
  path: string;
  summary: string;
  tag: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON response body; every answer is parsed with it (an allow-list) before it is sent. */
  response?: R;
  status?: number;
  /** csv and sse handlers write the response themselves; "empty" answers 204. */
  produces?: "json" | "csv" | "sse" | "empty";
}

export interface RouteInput<P extends Opt, Q extends Opt, B extends Opt, A extends Auth> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  session: A extends "session" ? SessionContext : SessionContext | undefined;
  req: Request;
  res: Response;
}

type Handler<P extends Opt, Q extends Opt, B extends Opt, R extends Opt, A extends Auth> = (
  input: RouteInput<P, Q, B, A>,
) => Promise<R extends z.ZodType ? z.input<R> : undefined>;

/** Turns zod issues into the error body: KMS.0308 and one message per field. */
export function invalid(where: string, error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [where, ...issue.path.map(String)].join(".");
    fields[key] ??= issue.message;
  }
  const first = Object.keys(fields)[0] ?? where;
  return new AppError("KMS.0308", `Invalid parameter: ${first}.`, fields);
}

function parse<S extends Opt>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(where, result.error);
  return result.data as Out<S>;
}

export interface Api {
  readonly routes: RouteSpec[];
  add<P extends Opt, Q extends Opt, B extends Opt, R extends Opt, A extends Auth>(
    spec: RouteSpec<P, Q, B, R, A>,
    handler: Handler<P, Q, B, R, A>,
  ): void;
}

/**
 * Registers routes on `router`. Order of checks: signed in (401), CSRF on state-changing calls
 * (403), then params, query and body (400), then the handler; its answer goes through `response`.
 */
export function createApi(router: Router): Api {
  const routes: RouteSpec[] = [];
  return {
    routes,
    add(spec, handler) {
      routes.push(spec as RouteSpec);
      router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
        try {
          const session = res.locals.session as SessionContext | undefined;
          if (spec.auth === "session") {
            if (!session) throw new AppError("CONSOLE.0401");
            if (spec.method !== "get") checkCsrf(req, session);
          }
          if (spec.body && !req.is("application/json")) {
            throw new AppError("KMS.0202", "Send the body as application/json.");
          }
          const input = {
            params: parse(spec.params, req.params, "params"),
            query: parse(spec.query, req.query, "query"),
            body: parse(spec.body, req.body, "body"),
            session,
            req,
            res,
          } as RouteInput<typeof spec.params, typeof spec.query, typeof spec.body, typeof spec.auth>;
          const result = await handler(input as never);
          const produces = spec.produces ?? "json";
          if (produces === "empty") {
            res.status(spec.status ?? 204).end();
          } else if (produces === "json") {
            if (!spec.response) throw new Error(`route ${spec.method} ${spec.path} has no response schema`);
            // An allow-list: unknown fields are dropped; a wrong shape is a programmer error (500).
            res.status(spec.status ?? 200).json(spec.response.parse(result));
          }
        } catch (e) {
          next(e);
        }
      });
    },
  };
}
