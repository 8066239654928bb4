import { type TCaller, type TKey, type TOperation, ZGrantOperation } from "@kms/domain";
import { KmsError } from "./errors.js";
import type { KeyVisibility, KmsStore } from "./ports.js";

/** Calls that change nothing: a viewer may make them, a service on its own default key too. */
const READ: ReadonlySet<TOperation> = new Set<TOperation>([
  "describe-key",
  "list-keys",
  "get-publickey",
  "get-key-rotation-status",
  "list-tags",
  "list-project-tags",
  "list-kms-by-tags",
  "list-grants",
  "list-retirable-grants",
  "user-instances",
  "user-quotas",
]);

/** Using a key (what a service does with its default key). */
const CRYPTO: ReadonlySet<TOperation> = new Set<TOperation>([
  "encrypt-data",
  "decrypt-data",
  "create-datakey",
  "create-datakey-without-plaintext",
  "encrypt-datakey",
  "decrypt-datakey",
  "sign",
  "verify",
  "generate-mac",
  "verify-mac",
]);

/** Project-level calls open to every authenticated principal. */
const OPEN: ReadonlySet<TOperation> = new Set<TOperation>(["gen-random"]);

/** Changes refused on a default key, whoever asks (KMS.0211). */
export const DEFAULT_KEY_MUTATIONS: ReadonlySet<TOperation> = new Set<TOperation>([
  "enable-key",
  "disable-key",
  "schedule-key-deletion",
  "cancel-key-deletion",
  "update-key-alias",
  "update-key-description",
  "enable-key-rotation",
  "disable-key-rotation",
  "update-key-rotation-interval",
  "rotate-on-demand",
  "create-tag",
  "delete-tag",
  "batch-tags",
  "create-grant",
]);

/** The operations a grant may name (Huawei's create-grant list). */
export const GRANTABLE_OPERATIONS: readonly TOperation[] = ZGrantOperation.options;

/** The permission table: what the principal may do by role alone, before grants. */
function allowedByRole(caller: TCaller, operation: TOperation, key: TKey | null): boolean {
  const p = caller.principal;
  if (OPEN.has(operation) && key === null) return true;
  if (p.kind === "user") return p.role === "admin" || READ.has(operation);
  if (key === null) return READ.has(operation);
  const ownDefault = key.isDefault && key.service === p.service;
  return ownDefault && (READ.has(operation) || CRYPTO.has(operation));
}

export function refuseDefaultKeyMutation(key: TKey, operation: TOperation): void {
  if (key.isDefault && DEFAULT_KEY_MUTATIONS.has(operation)) throw new KmsError("KMS.0211");
}

/** Throws KMS.0306 unless the role or a grant on the key allows the operation. */
export async function authorize(
  store: KmsStore,
  caller: TCaller,
  operation: TOperation,
  key: TKey | null,
): Promise<void> {
  if (allowedByRole(caller, operation, key)) return;
  if (key && (await store.hasGrant(key.id, caller.principal.id, operation))) return;
  throw new KmsError("KMS.0306");
}

/** The keys a caller's listings may show: a service sees its default key and its grants' keys. */
export function visibleTo(caller: TCaller): KeyVisibility | undefined {
  const p = caller.principal;
  return p.kind === "service" ? { service: p.service, principalId: p.id } : undefined;
}

export const isAdmin = (caller: TCaller): boolean =>
  caller.principal.kind === "user" && caller.principal.role === "admin";
