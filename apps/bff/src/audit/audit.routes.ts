import { ZAuditPage, ZAuditParams } from "@kms/domain";
import type { AppDeps } from "../context.js";
import type { Api } from "../middleware/validate.js";
import { callerFor } from "../session/callers.js";

export function registerAuditRoutes(api: Api, deps: AppDeps): void {
  api.add(
    {
      method: "get",
      path: "/api/audit",
      summary: "Audit events, newest first, filtered by key, principal, action and result",
      tag: "audit",
      auth: "session",
      query: ZAuditParams,
      response: ZAuditPage,
    },
    async ({ session, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const page = await deps.engine.listAudit(caller, {
        keyId: query.keyId,
        principalId: query.principalId,
        operation: query.action,
        result: query.result,
        cursor: query.cursor,
        limit: query.limit,
      });
      return {
        items: page.items.map((e) => ({
          id: e.id,
          time: e.time.toISOString(),
          principalId: e.principalId,
          principalName: e.principalName,
          action: e.operation,
          keyId: e.keyId,
          result: e.result,
          errorCode: e.errorCode,
          details: e.details,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
