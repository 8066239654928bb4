import {
  HIDDEN_SERVICES,
  supportsRotation,
  type TKey,
  type TKeyDetail,
  type TKeyListItem,
  type TRole,
  type TTag,
} from "@kms/domain";
import type { RotationStatus } from "@kms/engine";
import { allowedActions, readOnlyReason, serviceName } from "./allowed-actions.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const hidden = (key: TKey): boolean =>
  key.isDefault && key.service !== null && (HIDDEN_SERVICES as readonly string[]).includes(key.service);

/** Field by field, so that nothing the engine adds later reaches the browser unasked. */
export function toListItem(key: TKey, requestsThisMonth: number): TKeyListItem {
  return {
    id: key.id,
    alias: key.alias,
    state: key.state,
    spec: key.spec,
    usage: key.usage,
    origin: key.origin,
    createdAt: key.createdAt.toISOString(),
    isDefault: key.isDefault,
    service: key.service as TKeyListItem["service"],
    serviceName: serviceName(key.service),
    hiddenInConsole: hidden(key),
    deletionDate: iso(key.deletionDate),
    requestsThisMonth,
    lastUsedAt: iso(key.lastUsedAt),
  };
}

export function toDetail(
  key: TKey,
  role: TRole,
  extra: { tags: TTag[]; rotation: RotationStatus; requestsThisMonth: number },
): TKeyDetail {
  const actions = allowedActions(role, key);
  const reason = readOnlyReason(role, key);
  return {
    ...toListItem(key, extra.requestsThisMonth),
    description: key.description,
    updatedAt: key.updatedAt.toISOString(),
    deletionScheduledAt: iso(key.deletionScheduledAt),
    readOnly: reason !== null,
    readOnlyReason: reason,
    allowedActions: actions,
    rotation: {
      supported: supportsRotation(key.spec) && key.origin === "kms",
      enabled: key.rotation.enabled,
      intervalDays: key.rotation.intervalDays,
      lastRotatedAt: iso(key.rotation.lastRotatedAt),
      rotationCount: key.rotation.rotationCount,
    },
    tags: extra.tags.map((t) => ({ key: t.key, value: t.value })),
    versions: extra.rotation.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt.toISOString(),
    })),
  };
}
