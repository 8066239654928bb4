import { BatchTagsBody, CreateTagBody, EmptyBody, ListByTagsBody } from "../wire/requests.js";
import { keyDetails, wireTags } from "../wire/responses.js";
import { route } from "./define.js";

/** Key tags: writes answer 204 No Content like Huawei. `:key_id` is checked by the route wrapper. */
export const tagRoutes = [
  route({
    method: "POST",
    path: ":key_id/tags",
    operation: "create-tag",
    body: CreateTagBody,
    status: 204,
    async handle({ engine, caller, body, params }) {
      await engine.addTags(caller, params.key_id!, [body.tag]);
    },
  }),
  route({
    method: "DELETE",
    path: ":key_id/tags/:key",
    operation: "delete-tag",
    body: EmptyBody,
    status: 204,
    async handle({ engine, caller, params }) {
      await engine.removeTags(caller, params.key_id!, [params.key!]);
    },
  }),
  route({
    method: "POST",
    path: ":key_id/tags/action",
    operation: "batch-tags",
    body: BatchTagsBody,
    status: 204,
    async handle({ engine, caller, body, params }) {
      if (body.action === "create") {
        await engine.addTags(
          caller,
          params.key_id!,
          body.tags.map((t) => ({ key: t.key, value: t.value ?? "" })),
        );
      } else {
        await engine.removeTags(
          caller,
          params.key_id!,
          body.tags.map((t) => t.key),
        );
      }
    },
  }),
  route({
    method: "GET",
    path: ":key_id/tags",
    operation: "list-tags",
    body: EmptyBody,
    async handle({ engine, caller, params }) {
      const tags = await engine.listTags(caller, params.key_id!);
      return { tags: wireTags(tags), existTagsNum: tags.length };
    },
  }),
  route({
    method: "GET",
    path: "tags",
    operation: "list-project-tags",
    body: EmptyBody,
    async handle({ engine, caller }) {
      const tags = await engine.listProjectTags(caller);
      return { tags: tags.map((t) => ({ key: t.key, values: t.values })) };
    },
  }),
  route({
    method: "POST",
    path: "resource_instances/action",
    operation: "list-kms-by-tags",
    body: ListByTagsBody,
    async handle({ engine, caller, body, region }) {
      const result = await engine.listKeysByTags(caller, {
        tags: body.tags,
        aliasContains: body.matches?.[0]?.value || undefined,
        offset: body.offset,
        limit: body.limit,
      });
      if (body.action === "count") return { total_count: result.total };
      const realm = await region();
      return {
        resources: result.items.map(({ key, tags }) => ({
          resource_id: key.id,
          resource_detail: keyDetails(key, realm),
          resource_name: key.alias,
          tags: wireTags(tags),
        })),
        total_count: result.total,
      };
    },
  }),
];
