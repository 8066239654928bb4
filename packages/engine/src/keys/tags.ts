import { MAX_TAGS_PER_KEY, type TCaller, type TTag, ZTagKey, ZTagValue } from "@kms/domain";
import type { KeyRef } from "../api.js";
import { authorize, visibleTo } from "../authorize.js";
import { type EngineContext, runOperation } from "../context.js";
import { KmsError } from "../errors.js";
import type { TagFilter, UpdateTagsResult } from "../ports.js";
import { keyOperation } from "./resolve.js";

function checkTagKey(key: unknown): string {
  if (!ZTagKey.safeParse(key).success) throw new KmsError("KMS.0406");
  return key as string;
}

export function checkTags(tags: TTag[]): TTag[] {
  if (!Array.isArray(tags) || tags.length === 0) throw new KmsError("KMS.0401");
  return tags.map((t) => {
    const key = checkTagKey(t?.key);
    if (!ZTagValue.safeParse(t.value).success) throw new KmsError("KMS.0405");
    return { key, value: t.value };
  });
}

function checkResult(result: UpdateTagsResult): void {
  if (result === "too_many") throw new KmsError("KMS.0409");
  if (result === "not_found") throw new KmsError("KMS.0207");
}

export const listTags = (ctx: EngineContext, caller: TCaller, ref: KeyRef): Promise<TTag[]> =>
  keyOperation(ctx, caller, "list-tags", ref, (key) => ctx.store.getTags(key.id));

export function addTags(ctx: EngineContext, caller: TCaller, ref: KeyRef, tags: TTag[]): Promise<void> {
  return keyOperation(ctx, caller, "create-tag", ref, async (key, scope) => {
    const checked = checkTags(tags);
    scope.details = { tagKeys: checked.map((t) => t.key).join(",") };
    checkResult(await ctx.store.updateTags(key.id, checked, [], MAX_TAGS_PER_KEY));
  });
}

export function removeTags(
  ctx: EngineContext,
  caller: TCaller,
  ref: KeyRef,
  tagKeys: string[],
): Promise<void> {
  return keyOperation(ctx, caller, "delete-tag", ref, async (key, scope) => {
    if (!Array.isArray(tagKeys) || tagKeys.length === 0) throw new KmsError("KMS.0401");
    const checked = tagKeys.map(checkTagKey);
    scope.details = { tagKeys: checked.join(",") };
    checkResult(await ctx.store.updateTags(key.id, [], checked, MAX_TAGS_PER_KEY));
  });
}

/**
 * Makes the key's tags exactly `wanted` in one store write (the console's "edit tags"): tags not
 * wanted are removed and the wanted ones added or overwritten together, so a failure leaves the
 * old set, never half of each.
 */
export function replaceTags(ctx: EngineContext, caller: TCaller, ref: KeyRef, wanted: TTag[]): Promise<void> {
  return keyOperation(ctx, caller, "batch-tags", ref, async (key, scope) => {
    const checked = wanted.length === 0 ? [] : checkTags(wanted);
    if (checked.length > MAX_TAGS_PER_KEY) throw new KmsError("KMS.0409");
    const keep = new Set(checked.map((t) => t.key));
    const remove = (await ctx.store.getTags(key.id)).map((t) => t.key).filter((k) => !keep.has(k));
    scope.details = { tagKeys: [...keep].join(","), removed: remove.join(",") };
    checkResult(await ctx.store.updateTags(key.id, checked, remove, MAX_TAGS_PER_KEY));
  });
}

export const listProjectTags = (ctx: EngineContext, caller: TCaller): Promise<TagFilter[]> =>
  runOperation(ctx, caller, "list-project-tags", async () => {
    await authorize(ctx.store, caller, "list-project-tags", null);
    return ctx.store.listProjectTags(caller.projectId, visibleTo(caller));
  });

export const listKeysByTags = (
  ctx: EngineContext,
  caller: TCaller,
  input: { tags: TagFilter[]; aliasContains?: string; offset: number; limit: number },
) =>
  runOperation(ctx, caller, "list-kms-by-tags", async () => {
    await authorize(ctx.store, caller, "list-kms-by-tags", null);
    if (!Number.isInteger(input.offset) || input.offset < 0) throw new KmsError("KMS.0417");
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 1000)
      throw new KmsError("KMS.1601");
    for (const f of input.tags) checkTagKey(f.key);
    return ctx.store.listKeysByTags(
      caller.projectId,
      input.tags,
      input.aliasContains,
      input.offset,
      input.limit,
      visibleTo(caller),
    );
  });
