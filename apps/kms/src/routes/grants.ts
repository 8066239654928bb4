import { CreateGrantBody, GrantRefBody, ListGrantsBody, ListRetirableGrantsBody } from "../wire/requests.js";
import { page, wireGrant } from "../wire/responses.js";
import { route } from "./define.js";

const GRANTS_DEFAULT_LIMIT = 100;

export const grantRoutes = [
  route({
    method: "POST",
    path: "create-grant",
    operation: "create-grant",
    body: CreateGrantBody,
    async handle({ engine, caller, body }) {
      const grant = await engine.createGrant(caller, body.key_id, {
        // Huawei's name is optional; the engine keeps one for the console, so name it after the grantee.
        name: body.name ?? `grant-${body.grantee_principal}`,
        granteePrincipal: body.grantee_principal,
        granteePrincipalType: body.grantee_principal_type,
        operations: body.operations,
        retiringPrincipal: body.retiring_principal,
      });
      return { grant_id: grant.id };
    },
  }),
  route({
    method: "POST",
    path: "list-grants",
    operation: "list-grants",
    body: ListGrantsBody,
    async handle({ engine, caller, body }) {
      const offset = body.marker ?? 0;
      const r = await engine.listGrants(caller, body.key_id, offset, body.limit ?? GRANTS_DEFAULT_LIMIT);
      return { grants: r.items.map(wireGrant), ...page(offset, r.items.length, r.total) };
    },
  }),
  route({
    method: "POST",
    path: "list-retirable-grants",
    operation: "list-retirable-grants",
    body: ListRetirableGrantsBody,
    async handle({ engine, caller, body }) {
      const offset = body.marker ?? 0;
      const r = await engine.listRetirableGrants(caller, offset, body.limit ?? GRANTS_DEFAULT_LIMIT);
      return { grants: r.items.map(wireGrant), ...page(offset, r.items.length, r.total) };
    },
  }),
  route({
    method: "POST",
    path: "revoke-grant",
    operation: "revoke-grant",
    body: GrantRefBody,
    async handle({ engine, caller, body }) {
      await engine.revokeGrant(caller, body.key_id, body.grant_id);
    },
  }),
  route({
    method: "POST",
    path: "retire-grant",
    operation: "retire-grant",
    body: GrantRefBody,
    async handle({ engine, caller, body }) {
      await engine.retireGrant(caller, body.key_id, body.grant_id);
    },
  }),
];
