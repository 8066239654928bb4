import type {
  TAuditEvent,
  TKey,
  TKeyOrigin,
  TKeySpec,
  TKeyState,
  TKeyUsage,
  TOperation,
  TPrincipalIdentity,
  TProject,
  TServiceCode,
} from "@kms/domain";
import type { GrantRecord, KeyPatch, KeyVersionRecord, PrincipalRecord } from "@kms/engine";
import type { Insertable, Selectable, Updateable } from "kysely";
import type {
  AuditEventsTable,
  GrantsTable,
  KeysTable,
  KeyVersionsTable,
  PrincipalsTable,
  ProjectsTable,
} from "./schema.js";

// Rows come from our own tables, written only by these functions, so they are mapped with casts
// rather than parsed again on every read (the hot paths read a key per request).

const ms = (d: Date): number => d.getTime();
const msOrNull = (d: Date | null): number | null => (d ? d.getTime() : null);
const date = (n: number | string): Date => new Date(Number(n));
const dateOrNull = (n: number | string | null): Date | null => (n === null ? null : new Date(Number(n)));

export const projectToRow = (p: TProject): Insertable<ProjectsTable> => ({
  id: p.id,
  domain_id: p.domainId,
  name: p.name,
  region: p.region,
  created_at: ms(p.createdAt),
});

export const rowToProject = (r: Selectable<ProjectsTable>): TProject => ({
  id: r.id,
  domainId: r.domain_id,
  name: r.name,
  region: r.region,
  createdAt: date(r.created_at),
});

export const principalToRow = (rec: PrincipalRecord): Insertable<PrincipalsTable> => ({
  id: rec.principal.id,
  domain_id: rec.domainId,
  kind: rec.principal.kind,
  name: rec.principal.name,
  service: rec.principal.kind === "service" ? rec.principal.service : null,
  password_hash: rec.passwordHash,
  created_at: ms(rec.createdAt),
});

export function rowToPrincipalIdentity(
  r: Pick<PrincipalsTable, "id" | "kind" | "name" | "service">,
): TPrincipalIdentity {
  return r.kind === "user"
    ? { kind: "user", id: r.id, name: r.name }
    : { kind: "service", id: r.id, name: r.name, service: r.service as TServiceCode };
}

export const rowToPrincipalRecord = (r: Selectable<PrincipalsTable>): PrincipalRecord => ({
  principal: rowToPrincipalIdentity(r),
  domainId: r.domain_id,
  passwordHash: r.password_hash,
  createdAt: date(r.created_at),
});

export const keyToRow = (k: TKey): Insertable<KeysTable> => ({
  id: k.id,
  project_id: k.projectId,
  domain_id: k.domainId,
  alias: k.alias,
  description: k.description,
  spec: k.spec,
  usage: k.usage,
  origin: k.origin,
  state: k.state,
  is_default: k.isDefault ? 1 : 0,
  service: k.service,
  created_at: ms(k.createdAt),
  updated_at: ms(k.updatedAt),
  deletion_scheduled_at: msOrNull(k.deletionScheduledAt),
  deletion_date: msOrNull(k.deletionDate),
  current_version: k.currentVersion,
  rotation_enabled: k.rotation.enabled ? 1 : 0,
  rotation_interval_days: k.rotation.intervalDays,
  last_rotated_at: msOrNull(k.rotation.lastRotatedAt),
  rotation_count: k.rotation.rotationCount,
  last_used_at: k.lastUsedAt ? ms(k.lastUsedAt) : 0,
  destroyed_at: null,
});

export const rowToKey = (r: Selectable<KeysTable>): TKey => ({
  id: r.id,
  projectId: r.project_id,
  domainId: r.domain_id,
  alias: r.alias,
  description: r.description,
  spec: r.spec as TKeySpec,
  usage: r.usage as TKeyUsage,
  origin: r.origin as TKeyOrigin,
  state: r.state as TKeyState,
  isDefault: Number(r.is_default) === 1,
  service: r.service,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
  deletionScheduledAt: dateOrNull(r.deletion_scheduled_at),
  deletionDate: dateOrNull(r.deletion_date),
  currentVersion: Number(r.current_version),
  rotation: {
    enabled: Number(r.rotation_enabled) === 1,
    intervalDays: Number(r.rotation_interval_days),
    lastRotatedAt: dateOrNull(r.last_rotated_at),
    rotationCount: Number(r.rotation_count),
  },
  lastUsedAt: Number(r.last_used_at) > 0 ? date(r.last_used_at) : null,
});

/** The columns of a key in the order `arrayToKey` reads them (raw rows of the hot read). */
export const KEY_COLUMNS = [
  "id",
  "project_id",
  "domain_id",
  "alias",
  "description",
  "spec",
  "usage",
  "origin",
  "state",
  "is_default",
  "service",
  "created_at",
  "updated_at",
  "deletion_scheduled_at",
  "deletion_date",
  "current_version",
  "rotation_enabled",
  "rotation_interval_days",
  "last_rotated_at",
  "rotation_count",
  "last_used_at",
] as const satisfies ReadonlyArray<keyof KeysTable>;

/** A key from a row of column values in KEY_COLUMNS order (no per-row object with named columns). */
export const arrayToKey = (a: readonly unknown[]): TKey => ({
  id: a[0] as string,
  projectId: a[1] as string,
  domainId: a[2] as string,
  alias: a[3] as string,
  description: a[4] as string,
  spec: a[5] as TKeySpec,
  usage: a[6] as TKeyUsage,
  origin: a[7] as TKeyOrigin,
  state: a[8] as TKeyState,
  isDefault: Number(a[9]) === 1,
  service: a[10] as string | null,
  createdAt: date(a[11] as number),
  updatedAt: date(a[12] as number),
  deletionScheduledAt: dateOrNull(a[13] as number | null),
  deletionDate: dateOrNull(a[14] as number | null),
  currentVersion: Number(a[15]),
  rotation: {
    enabled: Number(a[16]) === 1,
    intervalDays: Number(a[17]),
    lastRotatedAt: dateOrNull(a[18] as number | null),
    rotationCount: Number(a[19]),
  },
  lastUsedAt: Number(a[20]) > 0 ? date(a[20] as number) : null,
});

/** The columns a patch touches; fields the patch leaves out stay out of the UPDATE. */
export function patchToRow(patch: KeyPatch): Updateable<KeysTable> {
  const row: Updateable<KeysTable> = {};
  if (patch.alias !== undefined) row.alias = patch.alias;
  if (patch.description !== undefined) row.description = patch.description;
  if (patch.state !== undefined) row.state = patch.state;
  if (patch.deletionScheduledAt !== undefined)
    row.deletion_scheduled_at = msOrNull(patch.deletionScheduledAt);
  if (patch.deletionDate !== undefined) row.deletion_date = msOrNull(patch.deletionDate);
  if (patch.currentVersion !== undefined) row.current_version = patch.currentVersion;
  if (patch.updatedAt !== undefined) row.updated_at = ms(patch.updatedAt);
  if (patch.rotation !== undefined) {
    row.rotation_enabled = patch.rotation.enabled ? 1 : 0;
    row.rotation_interval_days = patch.rotation.intervalDays;
    row.last_rotated_at = msOrNull(patch.rotation.lastRotatedAt);
    row.rotation_count = patch.rotation.rotationCount;
  }
  return row;
}

export const versionToRow = (v: KeyVersionRecord): Insertable<KeyVersionsTable> => ({
  key_id: v.keyId,
  version: v.version,
  created_at: ms(v.createdAt),
  wrapped_material: v.wrappedMaterial,
  public_key: v.publicKey,
});

export const rowToVersion = (r: Selectable<KeyVersionsTable>): KeyVersionRecord => ({
  keyId: r.key_id,
  version: Number(r.version),
  createdAt: date(r.created_at),
  wrappedMaterial: r.wrapped_material,
  publicKey: r.public_key,
});

export const grantToRow = (g: GrantRecord): Insertable<GrantsTable> => ({
  id: g.id,
  key_id: g.keyId,
  project_id: g.projectId,
  name: g.name,
  grantee_principal: g.granteePrincipal,
  grantee_principal_type: g.granteePrincipalType,
  operations: JSON.stringify(g.operations),
  issuing_principal: g.issuingPrincipal,
  retiring_principal: g.retiringPrincipal,
  created_at: ms(g.createdAt),
  parent_grant_id: g.parentGrantId,
});

export const rowToGrant = (r: Selectable<GrantsTable>): GrantRecord => ({
  id: r.id,
  keyId: r.key_id,
  projectId: r.project_id,
  name: r.name,
  granteePrincipal: r.grantee_principal,
  granteePrincipalType: r.grantee_principal_type as GrantRecord["granteePrincipalType"],
  operations: JSON.parse(r.operations) as TOperation[],
  issuingPrincipal: r.issuing_principal,
  retiringPrincipal: r.retiring_principal,
  createdAt: date(r.created_at),
  parentGrantId: r.parent_grant_id,
});

export const auditToRow = (a: TAuditEvent): Insertable<AuditEventsTable> => ({
  id: a.id,
  time: ms(a.time),
  project_id: a.projectId,
  principal_id: a.principalId,
  principal_name: a.principalName,
  operation: a.operation,
  key_id: a.keyId,
  result: a.result,
  error_code: a.errorCode,
  details: JSON.stringify(a.details),
});

export const rowToAudit = (r: Selectable<AuditEventsTable>): TAuditEvent => ({
  id: r.id,
  time: date(r.time),
  projectId: r.project_id,
  principalId: r.principal_id,
  principalName: r.principal_name,
  operation: r.operation as TOperation,
  keyId: r.key_id,
  result: r.result as TAuditEvent["result"],
  errorCode: r.error_code,
  details: JSON.parse(r.details) as TAuditEvent["details"],
});
