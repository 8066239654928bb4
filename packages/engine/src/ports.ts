import type {
  TAuditEvent,
  TKey,
  TKeyListQueryParsed,
  TKeyPage,
  TKeyState,
  TOperation,
  TPrincipal,
  TPrincipalIdentity,
  TProject,
  TProjectRole,
  TRole,
  TServiceCode,
  TTag,
  TUsageCount,
} from "@kms/domain";

/** Time comes in from outside so that tests and the demo seeder can move it. */
export interface Clock {
  now(): Date;
}

/** Randomness comes in from outside so that tests can make it deterministic. */
export interface Random {
  bytes(length: number): Buffer;
  uuid(): string;
}

/**
 * The root key wraps every piece of key material and every secret access key before it reaches
 * the store. It never enters the database. `context` binds a wrapped blob to its row (key ID and
 * version, or access key), so a blob copied to another row does not unwrap.
 */
export interface RootKey {
  wrap(plaintext: Buffer, context: string): Buffer;
  unwrap(wrapped: Buffer, context: string): Buffer;
}

/** One version of a key's material. Material is only ever stored wrapped. */
export interface KeyVersionRecord {
  keyId: string;
  version: number;
  createdAt: Date;
  /** Root-key-wrapped material; empty after the key is destroyed. */
  wrappedMaterial: Buffer;
  /** SPKI DER of an asymmetric key's public half (not secret), null for symmetric and HMAC keys. */
  publicKey: Buffer | null;
}

export interface CredentialRecord {
  accessKey: string;
  /** Root-key-wrapped secret key (context: the access key). */
  wrappedSecretKey: Buffer;
  projectId: string;
  principalId: string;
  createdAt: Date;
}

export interface PrincipalRecord {
  principal: TPrincipalIdentity;
  domainId: string;
  /** scrypt hash for console sign-in, null for service principals. */
  passwordHash: string | null;
  createdAt: Date;
}

export interface GrantRecord {
  id: string;
  keyId: string;
  projectId: string;
  name: string;
  granteePrincipal: string;
  granteePrincipalType: "user" | "domain";
  operations: TOperation[];
  issuingPrincipal: string;
  retiringPrincipal: string | null;
  createdAt: Date;
  /** The issuer's grant this one was derived from (null when an administrator issued it). */
  parentGrantId: string | null;
}

/** Fields an update may change. Anything absent stays as it is. */
export type KeyPatch = Partial<
  Pick<
    TKey,
    | "alias"
    | "description"
    | "state"
    | "deletionScheduledAt"
    | "deletionDate"
    | "currentVersion"
    | "rotation"
    | "updatedAt"
  >
>;

/** A precondition for a compare-and-set update: the update happens only if the key still matches. */
export interface KeyExpectation {
  states?: readonly TKeyState[];
  currentVersion?: number;
}

export type InsertKeyResult = "ok" | "alias_taken" | "quota_exceeded";
export type UpdateTagsResult = "ok" | "too_many" | "not_found";
/** `parent_revoked`: the parent grant was revoked before this one could be written. */
export type InsertGrantResult = "ok" | "too_many" | "parent_revoked";

/**
 * What a service principal may see of a project's keys: its own default key and the keys it holds
 * a grant on, nothing else (undefined: every key, for users).
 */
export interface KeyVisibility {
  service: TServiceCode;
  principalId: string;
}

export interface TagFilter {
  key: string;
  values: string[];
}

export interface UsageFilter {
  projectId?: string;
  domainId?: string;
  keyId?: string;
  from?: Date;
  to?: Date;
}

export interface AuditFilter {
  projectId: string;
  keyId?: string;
  principalId?: string;
  operation?: TOperation;
  result?: "success" | "refused";
  cursor?: string;
  limit: number;
}

/**
 * Everything the engine keeps. Every method is atomic on its own; the rules that need more than
 * one row (alias uniqueness, the custom-key quota, exactly one default key per service and project)
 * are enforced by the store, so two processes sharing one database stay correct.
 *
 * Destroyed keys (after their deletion date) keep their row for billing history with
 * `destroyedAt` set and their material wiped; every method except the billing queries ignores them,
 * and their alias is free again.
 */
export interface KmsStore {
  /** Creates the schema or upgrades it. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // projects, principals, credentials
  insertProject(project: TProject): Promise<void>;
  getProject(projectId: string): Promise<TProject | undefined>;
  listProjects(): Promise<TProject[]>;
  insertPrincipal(record: PrincipalRecord): Promise<void>;
  getPrincipal(principalId: string): Promise<PrincipalRecord | undefined>;
  /** Looks a user up by name within a domain (console sign-in). */
  getUserByName(domainId: string, name: string): Promise<PrincipalRecord | undefined>;
  insertCredential(record: CredentialRecord): Promise<void>;
  /**
   * The hot path of every API request: the credential and its principal in one query; a user's
   * role is its role in the credential's project, and a user without one there has no credential.
   */
  getCredential(
    accessKey: string,
  ): Promise<{ credential: CredentialRecord; principal: TPrincipal; domainId: string } | undefined>;

  // project roles: the one source of what a user may do in a project, for both servers
  /** Gives the user `role` in the project, replacing the role it had there; null takes it away. */
  setProjectRole(projectId: string, principalId: string, role: TRole | null, now: Date): Promise<void>;
  getProjectRole(projectId: string, principalId: string): Promise<TRole | undefined>;
  /** The projects the user has a role in, oldest project first. */
  listProjectRoles(principalId: string): Promise<TProjectRole[]>;

  // keys
  /**
   * Inserts a custom key with its first version. Atomically refuses an alias used by another live
   * key of the project, and refuses when the project already has `maxCustomKeys` live custom keys.
   */
  /** Inserts a key, its first version and its tags in one transaction, if the quota allows. */
  insertKey(
    key: TKey,
    version: KeyVersionRecord,
    maxCustomKeys: number,
    tags?: readonly TTag[],
  ): Promise<InsertKeyResult>;
  /**
   * Inserts a default key unless the project already has one for this service, and returns the key
   * that exists afterwards: exactly one, however many callers race (a unique constraint, not a lock).
   */
  insertDefaultKey(key: TKey, version: KeyVersionRecord): Promise<TKey>;
  getKey(projectId: string, keyId: string): Promise<TKey | undefined>;
  getDefaultKey(projectId: string, service: TServiceCode): Promise<TKey | undefined>;
  /** The key and one of its versions (the current one when `version` is omitted) in one round trip. */
  getKeyWithVersion(
    projectId: string,
    keyId: string,
    version?: number,
  ): Promise<{ key: TKey; version: KeyVersionRecord } | undefined>;
  listKeyVersions(keyId: string): Promise<KeyVersionRecord[]>;
  /**
   * Filters, searches (prefix of alias or ID), sorts and pages with a keyset cursor, so the cost of
   * a page does not grow with the number of keys. `hiddenServices` are the services whose default
   * keys are left out when `query.includeHidden` is false. `total` counts all matches.
   */
  listKeys(
    projectId: string,
    query: TKeyListQueryParsed,
    hiddenServices: readonly TServiceCode[],
    visibleTo?: KeyVisibility,
  ): Promise<TKeyPage>;
  /** Live custom keys of the project (the quota count). */
  countCustomKeys(projectId: string): Promise<number>;
  /**
   * Compare-and-set update: applies `patch` only if the key is live and matches `expect`.
   * Returns the updated key, "alias_taken" if the new alias is used by another live key,
   * or undefined if the precondition failed (the caller re-reads and decides again).
   */
  updateKey(
    projectId: string,
    keyId: string,
    expect: KeyExpectation,
    patch: KeyPatch,
  ): Promise<TKey | "alias_taken" | undefined>;
  /** Appends a version and makes it current, if the key's current version is still `version.version - 1`. */
  addKeyVersion(projectId: string, version: KeyVersionRecord, patch: KeyPatch): Promise<TKey | undefined>;
  /**
   * Enabled symmetric custom keys of KMS origin with rotation on whose interval has passed by `now`
   * (counted from the last rotation, or from creation), by key ID after `afterKeyId`.
   */
  listDueRotations(
    now: Date,
    limit: number,
    afterKeyId?: string,
  ): Promise<Array<{ projectId: string; keyId: string }>>;
  /** Keys pending deletion whose deletion date has passed, oldest first. */
  listDueDeletions(now: Date, limit: number): Promise<Array<{ projectId: string; keyId: string }>>;
  /** Destroys a key pending deletion whose date has passed: wipes material, frees alias. Returns false if it no longer qualifies. */
  destroyKey(projectId: string, keyId: string, now: Date): Promise<boolean>;

  // tags
  getTags(keyId: string): Promise<TTag[]>;
  /** Adds or overwrites `add`, removes `remove`, refusing to go above `maxTags`. */
  updateTags(keyId: string, add: TTag[], remove: string[], maxTags: number): Promise<UpdateTagsResult>;
  listProjectTags(projectId: string, visibleTo?: KeyVisibility): Promise<TagFilter[]>;
  /** Live keys whose tags match every filter (a key matches a filter if it has that tag key with one of the values). */
  listKeysByTags(
    projectId: string,
    filters: TagFilter[],
    aliasContains: string | undefined,
    offset: number,
    limit: number,
    visibleTo?: KeyVisibility,
  ): Promise<{ items: Array<{ key: TKey; tags: TTag[] }>; total: number }>;

  // grants
  insertGrant(grant: GrantRecord, maxPerKey: number): Promise<InsertGrantResult>;
  getGrant(grantId: string): Promise<GrantRecord | undefined>;
  listGrants(keyId: string, offset: number, limit: number): Promise<{ items: GrantRecord[]; total: number }>;
  listRetirableGrants(
    projectId: string,
    retiringPrincipal: string,
    offset: number,
    limit: number,
  ): Promise<{ items: GrantRecord[]; total: number }>;
  /**
   * Deletes the grant and every grant derived from it, transitively, in one transaction; returns
   * the IDs deleted (none when there was no such grant).
   */
  deleteGrant(grantId: string): Promise<string[]>;
  /** Whether a grant on the key lets this principal perform this operation. */
  hasGrant(keyId: string, principalId: string, operation: TOperation): Promise<boolean>;

  // metering and audit
  /**
   * Adds the counts and appends the audit events in one transaction, durable when the promise
   * resolves. Also moves each key's lastUsedAt forward. Called by the engine's group committer
   * with whole batches, so this is where the hot path's writes are amortised.
   */
  recordUsage(counts: TUsageCount[], audits: TAuditEvent[]): Promise<void>;
  /** Sum of metered counts matching the filter (hour granularity). */
  sumUsage(filter: UsageFilter): Promise<number>;
  listAudit(filter: AuditFilter): Promise<{ items: TAuditEvent[]; nextCursor: string | null }>;
}
