import { ZKeysCsvParams, ZMonthParams } from "@kms/domain";
import type { Response } from "express";
import type { AppDeps } from "../context.js";
import { keyService } from "../keys/key-service.js";
import type { Api } from "../middleware/validate.js";
import { callerFor } from "../session/callers.js";
import { currentMonth } from "../usage/usage.routes.js";
import { csvRow } from "./csv.js";

/** A whole project's key list is bounded (100 custom keys + 13 default); this guards the loop anyway. */
const MAX_ROWS = 100_000;

function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader("Content-Type", "text/csv; charset=utf-8");
  res.setHeader("Content-Disposition", `attachment; filename="${filename}"`);
}

export function registerExportRoutes(api: Api, deps: AppDeps): void {
  const keys = keyService(deps);

  api.add(
    {
      method: "get",
      path: "/api/keys.csv",
      summary: "The key list as CSV (same filters as GET /api/keys, all pages)",
      tag: "exports",
      auth: "session",
      query: ZKeysCsvParams,
      produces: "csv",
    },
    async ({ session, query, res }) => {
      const caller = await callerFor(deps, session, query.projectId);
      let page = await keys.list(caller, { ...query, limit: 200, cursor: undefined });
      startCsv(res, "keys.csv");
      res.write(
        csvRow([
          "id",
          "alias",
          "state",
          "spec",
          "usage",
          "origin",
          "createdAt",
          "isDefault",
          "service",
          "requestsThisMonth",
          "lastUsedAt",
          "deletionDate",
        ]),
      );
      let rows = 0;
      for (;;) {
        for (const k of page.items) {
          res.write(
            csvRow([
              k.id,
              k.alias,
              k.state,
              k.spec,
              k.usage,
              k.origin,
              k.createdAt,
              k.isDefault,
              k.serviceName,
              k.requestsThisMonth,
              k.lastUsedAt,
              k.deletionDate,
            ]),
          );
        }
        rows += page.items.length;
        if (!page.nextCursor || rows >= MAX_ROWS) break;
        page = await keys.list(caller, { ...query, limit: 200, cursor: page.nextCursor });
      }
      res.end();
      return undefined;
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/usage.csv",
      summary: "The month's requests and charges per key as CSV",
      tag: "exports",
      auth: "session",
      query: ZMonthParams,
      produces: "csv",
    },
    async ({ session, query, res }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const month = query.month ?? currentMonth(deps.clock.now());
      const s = await deps.reports.monthSummary(caller, month);
      startCsv(res, `usage-${month}.csv`);
      res.write(
        csvRow([
          "month",
          "keyId",
          "alias",
          "isDefault",
          "requests",
          "requestCharges",
          "hostingCharges",
          "currency",
        ]),
      );
      for (const k of s.byKey) {
        res.write(
          csvRow([
            month,
            k.keyId,
            k.alias,
            k.isDefault,
            k.requests,
            k.requestCharges,
            k.hostingCharges,
            s.currency,
          ]),
        );
      }
      res.end();
      return undefined;
    },
  );
}
