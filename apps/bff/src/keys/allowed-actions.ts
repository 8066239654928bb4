import {
  catalogEntry,
  keyFamily,
  type TKeyAction,
  type TKeySpec,
  type TKeyState,
  type TKeyUsage,
  type TRole,
  ZServiceCode,
} from "@kms/domain";

export interface KeyFacts {
  state: TKeyState;
  spec: TKeySpec;
  usage: TKeyUsage;
  origin: "kms" | "external";
  isDefault: boolean;
  service: string | null;
}

/** "Object Storage Service" for "obs"; the code itself for a service outside the catalog. */
export function serviceName(service: string | null): string | null {
  if (service === null) return null;
  const code = ZServiceCode.safeParse(service);
  return code.success ? catalogEntry(code.data).name : service;
}

/** Why a default key is read-only: the console shows this, and KMS.0211 answers start with it. */
export const defaultKeyReason = (service: string | null): string =>
  `Default key of ${serviceName(service) ?? "a cloud service"}: managed by the service`;

export const VIEWER_REASON = "Signed in as a viewer: read-only access";

/**
 * What the console may offer on a key: exactly what the engine would allow this role in this
 * state. Viewers and default keys get nothing; admins get what the key's state and spec permit.
 */
export function allowedActions(role: TRole, key: KeyFacts): TKeyAction[] {
  if (role !== "admin" || key.isDefault) return [];
  const symmetric = keyFamily(key.spec) === "symmetric";
  const rotatable = symmetric && key.origin === "kms";
  switch (key.state) {
    case "enabled":
      return [
        "disable",
        "schedule-deletion",
        "edit",
        "tags",
        ...(rotatable ? (["rotation", "rotate"] as const) : []),
        ...(symmetric && key.usage === "ENCRYPT_DECRYPT" ? (["tool"] as const) : []),
      ];
    case "disabled":
      return ["enable", "schedule-deletion", "edit", "tags"];
    case "pending_deletion":
      return ["cancel-deletion", "edit", "tags"];
    case "pending_import":
      return ["schedule-deletion", "edit", "tags"];
    case "pending_activation":
      return ["edit", "tags"];
  }
}

export function readOnlyReason(role: TRole, key: KeyFacts): string | null {
  if (key.isDefault) return defaultKeyReason(key.service);
  return role === "admin" ? null : VIEWER_REASON;
}
