import type { TCaller, TOperation } from "@kms/domain";
import type { KmsEngine } from "@kms/engine";
import type { z } from "zod";

export interface HandlerContext<Body> {
  engine: KmsEngine;
  caller: TCaller;
  body: Body;
  /** Path parameters, URL-decoded (`key_id`, tag `key`). */
  params: Record<string, string>;
  /** The region of the caller's project (Huawei `realm` / `region_id`). */
  region: () => Promise<string>;
}

/**
 * One signed Huawei API operation under /v1.0/{project_id}/kms/. Handlers stay thin: the body is
 * already validated, they call the engine and map its result to the wire shape. A handler that
 * returns undefined answers 200 with an empty body (the SDK models of those responses have no fields).
 */
export interface KmsRoute<S extends z.ZodType = z.ZodType> {
  method: "GET" | "POST" | "DELETE";
  /** Path after /v1.0/{project_id}/kms/, with Fastify parameters (":key_id"). */
  path: string;
  operation: TOperation;
  body: S;
  /** 204 for tag writes; 200 otherwise. */
  status?: 200 | 204;
  /** JSON schema of the 200 body, for Fastify's fast serializer on hot routes. */
  response?: Record<string, unknown>;
  handle(ctx: HandlerContext<z.output<S>>): Promise<unknown>;
}

/** Keeps the body type of each route while letting routes of different bodies share one list. */
export const route = <S extends z.ZodType>(r: KmsRoute<S>): KmsRoute => r as unknown as KmsRoute;
