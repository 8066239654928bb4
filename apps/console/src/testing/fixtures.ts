import {
  type TKeyDetail,
  type TKeyListItem,
  type TSession,
  ZKeyDetail,
  ZKeyListItem,
  ZKeyListResponse,
  ZSession,
} from "@kms/domain";

/** Test data always goes through the domain schemas, so it is exactly what the BFF may send. */
export const PROJECT = "0b8a3fd4e3bd4c3f9d7b1cb1e0a8b001";

/** A session with one project, in which the user has `role`. */
export function session(
  role: "admin" | "viewer" = "admin",
  { demo = false, ...over }: Partial<TSession> & { demo?: boolean } = {},
): TSession {
  return ZSession.parse({
    username: role,
    projectId: PROJECT,
    projects: [{ id: PROJECT, name: "cn-north-4", region: "cn-north-4", role, demo }],
    csrfToken: "csrf-token-1",
    ...over,
  });
}

let n = 0;
export function keyId(): string {
  n += 1;
  return `0d0466b0-e727-4d9c-b35d-${String(n).padStart(12, "0")}`;
}

export function listItem(over: Partial<TKeyListItem> = {}): TKeyListItem {
  return ZKeyListItem.parse({
    id: keyId(),
    alias: "KMS-1a2b",
    state: "enabled",
    spec: "AES_256",
    usage: "ENCRYPT_DECRYPT",
    origin: "kms",
    createdAt: "2026-11-01T10:00:00.000Z",
    isDefault: false,
    service: null,
    serviceName: null,
    hiddenInConsole: false,
    deletionDate: null,
    requestsThisMonth: 12,
    lastUsedAt: null,
    ...over,
  });
}

export function defaultItem(service: "obs" | "evs" | "vbs", name: string, over: Partial<TKeyListItem> = {}) {
  return listItem({
    alias: `${service}/default`,
    isDefault: true,
    service,
    serviceName: name,
    hiddenInConsole: service === "vbs",
    ...over,
  });
}

export function detail(item: TKeyListItem, over: Partial<TKeyDetail> = {}): TKeyDetail {
  return ZKeyDetail.parse({
    ...item,
    description: "",
    updatedAt: item.createdAt,
    deletionScheduledAt: null,
    readOnly: item.isDefault,
    readOnlyReason: item.isDefault ? `Default key of ${item.serviceName}: managed by the service` : null,
    allowedActions: item.isDefault
      ? []
      : ["disable", "schedule-deletion", "edit", "tags", "rotation", "rotate", "tool"],
    rotation: { supported: true, enabled: false, intervalDays: 365, lastRotatedAt: null, rotationCount: 0 },
    tags: [],
    versions: [{ version: 1, createdAt: item.createdAt }],
    ...over,
  });
}

export const listResponse = (items: TKeyListItem[], nextCursor: string | null = null) =>
  ZKeyListResponse.parse({ items, nextCursor, total: items.length });
