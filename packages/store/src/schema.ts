/**
 * Row types of the tables, as Kysely sees them. Times are epoch milliseconds (bigint in
 * PostgreSQL, parsed to number), booleans are 0/1 integers so both dialects bind and compare
 * them the same way.
 */

export interface ProjectsTable {
  id: string;
  domain_id: string;
  name: string;
  region: string;
  created_at: number;
}

export interface PrincipalsTable {
  id: string;
  domain_id: string;
  kind: "user" | "service";
  name: string;
  service: string | null;
  password_hash: string | null;
  created_at: number;
}

/** A user's role in a project: what both servers authorise a user by. */
export interface ProjectRolesTable {
  project_id: string;
  principal_id: string;
  role: string;
  created_at: number;
}

export interface CredentialsTable {
  access_key: string;
  wrapped_secret_key: Buffer;
  project_id: string;
  principal_id: string;
  created_at: number;
}

export interface KeysTable {
  id: string;
  project_id: string;
  domain_id: string;
  alias: string;
  description: string;
  spec: string;
  usage: string;
  origin: string;
  state: string;
  is_default: number;
  service: string | null;
  created_at: number;
  updated_at: number;
  deletion_scheduled_at: number | null;
  deletion_date: number | null;
  current_version: number;
  rotation_enabled: number;
  rotation_interval_days: number;
  last_rotated_at: number | null;
  rotation_count: number;
  /** 0 when never used: a NOT NULL column keeps keyset paging on it simple and indexable. */
  last_used_at: number;
  destroyed_at: number | null;
}

export interface KeyVersionsTable {
  key_id: string;
  version: number;
  created_at: number;
  wrapped_material: Buffer;
  public_key: Buffer | null;
}

export interface KeyTagsTable {
  key_id: string;
  tag_key: string;
  tag_value: string;
}

export interface GrantsTable {
  id: string;
  key_id: string;
  project_id: string;
  name: string;
  grantee_principal: string;
  grantee_principal_type: string;
  /** JSON array of operation names. */
  operations: string;
  issuing_principal: string;
  retiring_principal: string | null;
  created_at: number;
  parent_grant_id: string | null;
}

export interface UsageCountsTable {
  project_id: string;
  domain_id: string;
  key_id: string;
  principal_id: string;
  operation: string;
  hour: number;
  count: number;
}

export interface UsageDailyTable {
  project_id: string;
  key_id: string;
  operation: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  count: number;
}

export interface UsageMonthlyTable {
  domain_id: string;
  project_id: string;
  key_id: string;
  principal_id: string;
  operation: string;
  /** YYYY-MM (UTC). */
  month: string;
  count: number;
}

export interface AuditEventsTable {
  id: string;
  time: number;
  project_id: string;
  principal_id: string;
  principal_name: string;
  operation: string;
  key_id: string | null;
  result: string;
  error_code: string | null;
  /** JSON object of non-secret facts. */
  details: string;
  /** Position in the audit feed: assigned under the write lock, so commit order is sequence order. */
  seq: number | null;
}

export interface UsageKeyMonthlyTable {
  domain_id: string;
  month: string;
  project_id: string;
  key_id: string;
  count: number;
}

export interface UsagePrincipalMonthlyTable {
  domain_id: string;
  month: string;
  principal_id: string;
  count: number;
}

export interface UsageDomainDailyTable {
  domain_id: string;
  day: string;
  count: number;
}

export interface UsageKeyPrincipalTable {
  project_id: string;
  key_id: string;
  principal_id: string;
  operation: string;
  count: number;
  /** Start of the latest hour with a request. */
  last_hour: number;
}

export interface SessionsTable {
  id_hash: string;
  principal_id: string;
  domain_id: string;
  username: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** Live keys per filter bucket, kept by triggers on keys. */
export interface KeyCountsTable {
  project_id: string;
  state: string;
  spec: string;
  is_default: number;
  /** "" for custom keys. */
  service: string;
  count: number;
}

/** A metering journal's batches up to folded_seq are in the usage tables (see usage-journal.ts). */
export interface UsageJournalFoldsTable {
  journal_id: string;
  folded_seq: number;
}

export interface Database {
  projects: ProjectsTable;
  principals: PrincipalsTable;
  credentials: CredentialsTable;
  project_roles: ProjectRolesTable;
  keys: KeysTable;
  key_versions: KeyVersionsTable;
  key_tags: KeyTagsTable;
  grants: GrantsTable;
  usage_counts: UsageCountsTable;
  usage_daily: UsageDailyTable;
  usage_monthly: UsageMonthlyTable;
  audit_events: AuditEventsTable;
  usage_key_monthly: UsageKeyMonthlyTable;
  usage_principal_monthly: UsagePrincipalMonthlyTable;
  usage_domain_daily: UsageDomainDailyTable;
  usage_key_principal: UsageKeyPrincipalTable;
  sessions: SessionsTable;
  key_counts: KeyCountsTable;
  usage_journal_folds: UsageJournalFoldsTable;
}

export type SqlDialect = "sqlite" | "postgres";
