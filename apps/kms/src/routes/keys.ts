import type { TKeySpec } from "@kms/domain";
import {
  CreateKeyBody,
  ListKeysBody,
  OperateKeyBody,
  ScheduleDeletionBody,
  UpdateAliasBody,
  UpdateDescriptionBody,
} from "../wire/requests.js";
import { KEY_STATE_CODES, keyDetails, keyStatusInfo, page, STATE_BY_CODE } from "../wire/responses.js";
import { route } from "./define.js";

/** Huawei's list-keys returns every key when no limit is given; 1000 is the largest page. */
const LIST_KEYS_DEFAULT_LIMIT = 1000;

export const keyRoutes = [
  route({
    method: "POST",
    path: "create-key",
    operation: "create-key",
    body: CreateKeyBody,
    async handle({ engine, caller, body, region }) {
      const key = await engine.createKey(caller, {
        alias: body.key_alias,
        spec: body.key_spec,
        usage: body.key_usage,
        description: body.key_description,
        origin: body.origin,
      });
      return { key_info: { key_id: key.id, domain_id: key.domainId, region_id: await region() } };
    },
  }),
  route({
    method: "POST",
    path: "describe-key",
    operation: "describe-key",
    body: OperateKeyBody,
    async handle({ engine, caller, body, region }) {
      const key = await engine.describeKey(caller, body.key_id);
      return { key_info: keyDetails(key, await region()) };
    },
  }),
  route({
    method: "POST",
    path: "list-keys",
    operation: "list-keys",
    body: ListKeysBody,
    async handle({ engine, caller, body, region }) {
      const offset = body.marker ?? 0;
      const result = await engine.listKeys(caller, {
        states: body.key_state ? [STATE_BY_CODE[body.key_state]!] : undefined,
        specs: body.key_spec === "ALL" ? undefined : [body.key_spec as TKeySpec],
        kind: "all",
        includeHidden: true,
        // Oldest first, so that offsets stay stable while new keys are created.
        sort: "createdAt",
        order: "asc",
        offset,
        limit: body.limit ?? LIST_KEYS_DEFAULT_LIMIT,
      });
      const realm = await region();
      return {
        keys: result.items.map((k) => k.id),
        key_details: result.items.map((k) => keyDetails(k, realm)),
        ...page(offset, result.items.length, result.total),
      };
    },
  }),
  route({
    method: "POST",
    path: "enable-key",
    operation: "enable-key",
    body: OperateKeyBody,
    handle: async ({ engine, caller, body }) => keyStatusInfo(await engine.enableKey(caller, body.key_id)),
  }),
  route({
    method: "POST",
    path: "disable-key",
    operation: "disable-key",
    body: OperateKeyBody,
    handle: async ({ engine, caller, body }) => keyStatusInfo(await engine.disableKey(caller, body.key_id)),
  }),
  route({
    method: "POST",
    path: "schedule-key-deletion",
    operation: "schedule-key-deletion",
    body: ScheduleDeletionBody,
    async handle({ engine, caller, body }) {
      const key = await engine.scheduleKeyDeletion(caller, body.key_id, body.pending_days);
      // Huawei answers schedule/cancel without the key_info wrapper.
      return { key_id: key.id, key_state: KEY_STATE_CODES[key.state] };
    },
  }),
  route({
    method: "POST",
    path: "cancel-key-deletion",
    operation: "cancel-key-deletion",
    body: OperateKeyBody,
    async handle({ engine, caller, body }) {
      const key = await engine.cancelKeyDeletion(caller, body.key_id);
      return { key_id: key.id, key_state: KEY_STATE_CODES[key.state] };
    },
  }),
  route({
    method: "POST",
    path: "update-key-alias",
    operation: "update-key-alias",
    body: UpdateAliasBody,
    async handle({ engine, caller, body }) {
      const key = await engine.updateKeyAlias(caller, body.key_id, body.key_alias);
      return { key_info: { key_id: key.id, key_alias: key.alias } };
    },
  }),
  route({
    method: "POST",
    path: "update-key-description",
    operation: "update-key-description",
    body: UpdateDescriptionBody,
    async handle({ engine, caller, body }) {
      const key = await engine.updateKeyDescription(caller, body.key_id, body.key_description);
      return { key_info: { key_id: key.id, key_description: key.description } };
    },
  }),
];
