import {
  DEFAULT_KEY_CATALOG,
  ZCreateKeyRequest,
  ZDefaultKeysCatalogResponse,
  ZKeyDetail,
  ZKeyIdParams,
  ZKeyListParams,
  ZKeyListResponse,
  ZProjectQuery,
  ZProjectsResponse,
  ZPutRotationRequest,
  ZPutTagsRequest,
  ZScheduleDeletionRequest,
  ZToolDecryptRequest,
  ZToolDecryptResponse,
  ZToolEncryptRequest,
  ZToolEncryptResponse,
  ZUpdateKeyRequest,
} from "@kms/domain";
import type { AppDeps } from "../context.js";
import type { Api } from "../middleware/validate.js";
import { callerFor, projectsOf } from "../session/callers.js";
import { keyService } from "./key-service.js";

/** The key routes, read top to bottom like a table of contents: parse (by the spec), call, map. */
export function registerKeyRoutes(api: Api, deps: AppDeps): void {
  const keys = keyService(deps);
  const { engine } = deps;
  const tag = "keys";
  const keyRoute = {
    params: ZKeyIdParams,
    query: ZProjectQuery,
    response: ZKeyDetail,
    auth: "session",
    tag,
  } as const;

  api.add(
    {
      method: "get",
      path: "/api/projects",
      summary: "Projects of the account",
      tag,
      auth: "session",
      response: ZProjectsResponse,
    },
    async ({ session }) => ({ items: await projectsOf(deps, session) }),
  );

  api.add(
    {
      method: "get",
      path: "/api/keys",
      summary: "Keys: filter, search, sort, cursor paging",
      tag,
      auth: "session",
      query: ZKeyListParams,
      response: ZKeyListResponse,
    },
    async ({ session, query }) => keys.list(await callerFor(deps, session, query.projectId), query),
  );

  api.add(
    {
      method: "post",
      path: "/api/keys",
      summary: "Create a custom key (admin)",
      tag,
      auth: "session",
      query: ZProjectQuery,
      body: ZCreateKeyRequest,
      response: ZKeyDetail,
      status: 201,
    },
    async ({ session, query, body }) => keys.create(await callerFor(deps, session, query.projectId), body),
  );

  api.add(
    { ...keyRoute, method: "get", path: "/api/keys/:id", summary: "A key with what this user may do" },
    async (r) => keys.detail(await callerFor(deps, r.session, r.query.projectId), r.params.id),
  );

  api.add(
    { ...keyRoute, method: "post", path: "/api/keys/:id/enable", summary: "Enable a key (admin)" },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      return keys.mutate(caller, r.params.id, "enabled", () => engine.enableKey(caller, r.params.id));
    },
  );

  api.add(
    { ...keyRoute, method: "post", path: "/api/keys/:id/disable", summary: "Disable a key (admin)" },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      return keys.mutate(caller, r.params.id, "disabled", () => engine.disableKey(caller, r.params.id));
    },
  );

  api.add(
    {
      ...keyRoute,
      method: "post",
      path: "/api/keys/:id/schedule-deletion",
      summary: "Schedule deletion in 7–1096 days (admin)",
      body: ZScheduleDeletionRequest,
    },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      return keys.mutate(caller, r.params.id, "deleted", () =>
        engine.scheduleKeyDeletion(caller, r.params.id, r.body.pendingDays),
      );
    },
  );

  api.add(
    {
      ...keyRoute,
      method: "post",
      path: "/api/keys/:id/cancel-deletion",
      summary: "Cancel a scheduled deletion (admin)",
    },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      return keys.mutate(caller, r.params.id, "restored", () =>
        engine.cancelKeyDeletion(caller, r.params.id),
      );
    },
  );

  api.add(
    {
      ...keyRoute,
      method: "patch",
      path: "/api/keys/:id",
      summary: "Change alias and/or description (admin)",
      body: ZUpdateKeyRequest,
    },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      const { alias, description } = r.body;
      return keys.mutate(caller, r.params.id, "renamed or described", async () => {
        let key = alias !== undefined ? await engine.updateKeyAlias(caller, r.params.id, alias) : undefined;
        if (description !== undefined)
          key = await engine.updateKeyDescription(caller, r.params.id, description);
        return key!;
      });
    },
  );

  api.add(
    {
      ...keyRoute,
      method: "put",
      path: "/api/keys/:id/tags",
      summary: "Replace the key's tags (admin)",
      body: ZPutTagsRequest,
    },
    async (r) => keys.putTags(await callerFor(deps, r.session, r.query.projectId), r.params.id, r.body.tags),
  );

  api.add(
    {
      ...keyRoute,
      method: "put",
      path: "/api/keys/:id/rotation",
      summary: "Turn automatic rotation on or off, or change its interval (admin)",
      body: ZPutRotationRequest,
    },
    async (r) => keys.putRotation(await callerFor(deps, r.session, r.query.projectId), r.params.id, r.body),
  );

  api.add(
    { ...keyRoute, method: "post", path: "/api/keys/:id/rotate", summary: "Rotate now (admin)" },
    async (r) => {
      const caller = await callerFor(deps, r.session, r.query.projectId);
      return keys.mutate(caller, r.params.id, "rotated", () => engine.rotateKey(caller, r.params.id));
    },
  );

  api.add(
    {
      ...keyRoute,
      method: "post",
      path: "/api/keys/:id/encrypt",
      summary: "Online tool: encrypt up to 4 KB of text (admin, enabled custom symmetric keys)",
      body: ZToolEncryptRequest,
      response: ZToolEncryptResponse,
    },
    async (r) =>
      keys.encrypt(await callerFor(deps, r.session, r.query.projectId), r.params.id, r.body.plaintext),
  );

  api.add(
    {
      ...keyRoute,
      method: "post",
      path: "/api/keys/:id/decrypt",
      summary: "Online tool: decrypt what the tool encrypted with this key",
      body: ZToolDecryptRequest,
      response: ZToolDecryptResponse,
    },
    async (r) =>
      keys.decrypt(await callerFor(deps, r.session, r.query.projectId), r.params.id, r.body.ciphertext),
  );

  api.add(
    {
      method: "get",
      path: "/api/default-keys/catalog",
      summary: "The 13 services that own a default key, and whether it exists in this project",
      tag,
      auth: "session",
      query: ZProjectQuery,
      response: ZDefaultKeysCatalogResponse,
    },
    async ({ session, query }) => {
      const caller = await callerFor(deps, session, query.projectId);
      const page = await engine.listKeys(caller, { kind: "default", includeHidden: true, limit: 100 });
      const byService = new Map(page.items.map((k) => [k.service, k.id]));
      return {
        items: DEFAULT_KEY_CATALOG.map((e) => ({
          ...e,
          exists: byService.has(e.service),
          keyId: byService.get(e.service) ?? null,
        })),
      };
    },
  );
}
