import {
  keyFamily,
  type TCaller,
  type TKey,
  type TKeyDetail,
  type TKeyListResponse,
  type TPutRotationRequest,
  type TTag,
  type ZCreateKeyRequest,
  type ZKeyListParams,
} from "@kms/domain";
import { isKmsError } from "@kms/engine";
import type { z } from "zod";
import type { AppDeps } from "../context.js";
import { AppError } from "../errors.js";
import { defaultKeyReason } from "./allowed-actions.js";
import { toDetail, toListItem } from "./mappers.js";

export type KeyListQuery = z.output<typeof ZKeyListParams>;

/**
 * The console's key operations over the engine: the few places where one console action is more
 * than one engine call (detail, tags diff, rotation settings), and the default-key explanation.
 * The engine stays the authority on roles and states; this only composes and explains.
 */
export function keyService(deps: AppDeps) {
  const { engine, reports } = deps;

  async function requests(caller: TCaller, ids: readonly string[]): Promise<Map<string, number>> {
    return ids.length === 0 ? new Map() : reports.requestsThisMonth(caller, ids);
  }

  async function detailOf(caller: TCaller, key: TKey): Promise<TKeyDetail> {
    const [tags, rotation, counts] = await Promise.all([
      engine.listTags(caller, key.id),
      engine.getRotationStatus(caller, key.id),
      requests(caller, [key.id]),
    ]);
    const role = caller.principal.kind === "user" ? caller.principal.role : "viewer";
    return toDetail(key, role, { tags, rotation, requestsThisMonth: counts.get(key.id) ?? 0 });
  }

  /** Rewrites the engine's KMS.0211 with the service's name and what was refused. */
  async function explainDefault<T>(caller: TCaller, id: string, verb: string, run: () => Promise<T>) {
    try {
      return await run();
    } catch (e) {
      if (!isKmsError(e) || e.code !== "KMS.0211") throw e;
      const key = await engine.describeKey(caller, id);
      throw new AppError("KMS.0211", `${defaultKeyReason(key.service)}; it cannot be ${verb}.`);
    }
  }

  /**
   * For console actions the BFF composes (tags, rotation settings, the online tool), the same
   * refusals the engine gives for its own mutations, before any call: even a no-op is refused.
   */
  function assertMayChange(caller: TCaller, key: TKey, verb: string): void {
    if (caller.principal.kind !== "user" || caller.principal.role !== "admin") throw new AppError("KMS.0306");
    if (key.isDefault)
      throw new AppError("KMS.0211", `${defaultKeyReason(key.service)}; it cannot be ${verb}.`);
  }

  return {
    async list(caller: TCaller, q: KeyListQuery): Promise<TKeyListResponse> {
      const page = await engine.listKeys(caller, {
        search: q.q || undefined,
        states: q.state,
        specs: q.spec,
        kind: q.type,
        includeHidden: q.showHidden,
        sort: q.sort,
        order: q.order,
        cursor: q.cursor,
        limit: q.limit,
      });
      const counts = await requests(
        caller,
        page.items.map((k) => k.id),
      );
      return {
        items: page.items.map((k) => toListItem(k, counts.get(k.id) ?? 0)),
        nextCursor: page.nextCursor,
        total: page.total,
      };
    },

    async detail(caller: TCaller, id: string): Promise<TKeyDetail> {
      return detailOf(caller, await engine.describeKey(caller, id));
    },

    async create(caller: TCaller, body: z.output<typeof ZCreateKeyRequest>) {
      const key = await engine.createKey(caller, {
        alias: body.alias,
        spec: body.spec,
        usage: body.usage,
        description: body.description,
        tags: body.tags,
      });
      return detailOf(caller, key);
    },

    /** Runs one engine mutation on a key and answers with the key's new detail. */
    async mutate(caller: TCaller, id: string, verb: string, run: () => Promise<TKey>) {
      return detailOf(caller, await explainDefault(caller, id, verb, run));
    },

    /** Makes the key's tags exactly `wanted`, in one atomic engine call. */
    async putTags(caller: TCaller, id: string, wanted: TTag[]): Promise<TKeyDetail> {
      const key = await engine.describeKey(caller, id);
      assertMayChange(caller, key, "tagged");
      await engine.replaceTags(caller, id, wanted);
      return detailOf(caller, await engine.describeKey(caller, id));
    },

    async putRotation(caller: TCaller, id: string, wanted: TPutRotationRequest): Promise<TKeyDetail> {
      const key = await engine.describeKey(caller, id);
      assertMayChange(caller, key, "given a rotation policy");
      let updated = key;
      if (wanted.enabled && !key.rotation.enabled) {
        updated = await engine.enableRotation(caller, id, wanted.intervalDays);
      } else if (wanted.enabled && key.rotation.intervalDays !== wanted.intervalDays) {
        updated = await engine.updateRotationInterval(caller, id, wanted.intervalDays);
      } else if (!wanted.enabled && key.rotation.enabled) {
        updated = await engine.disableRotation(caller, id);
      }
      return detailOf(caller, updated);
    },

    /** The online tool: enabled custom symmetric keys only (the engine checks the state). */
    async encrypt(caller: TCaller, id: string, plaintext: string) {
      const key = await engine.describeKey(caller, id);
      assertToolKey(caller, key);
      const out = await engine.encryptData(caller, { ref: id, plaintext: Buffer.from(plaintext, "utf8") });
      return { keyId: out.keyId, ciphertext: out.ciphertext.toString("base64") };
    },

    async decrypt(caller: TCaller, id: string, ciphertext: string) {
      const key = await engine.describeKey(caller, id);
      assertToolKey(caller, key);
      const blob = decodeBase64(ciphertext);
      const out = await engine.decryptData(caller, { ciphertext: blob, ref: id });
      // The ciphertext names its own key: the tool of this key only decrypts this key's output.
      if (out.keyId !== id) throw new AppError("KMS.2301", "This ciphertext was made with another key.");
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(out.plaintext);
      } catch {
        throw new AppError("KMS.2301", "The plaintext is not UTF-8 text; the online tool shows text only.");
      } finally {
        out.plaintext.fill(0);
      }
      return { keyId: out.keyId, plaintext: text };
    },
  };

  function assertToolKey(caller: TCaller, key: TKey): void {
    assertMayChange(caller, key, "used in the online tool");
    if (keyFamily(key.spec) !== "symmetric" || key.usage !== "ENCRYPT_DECRYPT") {
      throw new AppError("KMS.0308", "The online tool works with symmetric encryption keys only.");
    }
  }
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: string): Buffer {
  if (!STRICT_BASE64.test(text)) throw new AppError("KMS.2301", "The ciphertext must be base64.");
  return Buffer.from(text, "base64");
}

export type KeyService = ReturnType<typeof keyService>;
