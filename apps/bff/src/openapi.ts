import { ZConsoleErrorBody } from "@kms/domain";
import { z } from "zod";
import type { RouteSpec } from "./middleware/validate.js";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends (`input`) or receives (`output`). */
function schemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: "path" | "query"): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: s,
    ...(typeof s.description === "string" ? { description: s.description } : {}),
  }));
}

const ERROR_RESPONSE = {
  description: "Error (code from the closed set)",
  content: { "application/json": { schema: { $ref: "#/components/schemas/ConsoleErrorBody" } } },
};

function successResponse(route: RouteSpec): JsonSchema {
  switch (route.produces ?? "json") {
    case "empty":
      return { description: "Done" };
    case "csv":
      return { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } };
    case "sse":
      return {
        description: "Server-sent events",
        content: { "text/event-stream": { schema: { type: "string" } } },
      };
    default:
      return {
        description: "OK",
        content: { "application/json": { schema: route.response ? schemaOf(route.response, "output") : {} } },
      };
  }
}

/**
 * The OpenAPI 3.1 document, generated from the same route list and zod schemas that validate the
 * requests and responses: nothing here is written by hand except titles.
 */
export function openApiDocument(routes: readonly RouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const op: JsonSchema = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: schemaOf(route.body, "input") } },
            },
          }
        : {}),
      responses: {
        [String(route.status ?? (route.produces === "empty" ? 204 : 200))]: successResponse(route),
        default: ERROR_RESPONSE,
      },
      ...(route.auth === "session"
        ? { security: route.method === "get" ? [{ session: [] }] : [{ session: [], csrf: [] }] }
        : {}),
    };
    paths[path] ??= {};
    paths[path][route.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "KMS console API (BFF)",
      version: "0.1.0",
      description: "The backend-for-frontend of the KMS console. JSON, camelCase, dates as ISO-8601.",
    },
    paths,
    components: {
      schemas: { ConsoleErrorBody: schemaOf(ZConsoleErrorBody, "output") },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "kms_session" },
        csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
      },
    },
  };
}
