import type { TOperation } from "@kms/domain";

/**
 * What usage reports and bills read. Every query reads the hourly counters or their rollups, never
 * raw events, so its cost depends on the number of keys and days, not on the number of requests.
 */
export interface UsageReportStore {
  /** Counts per period and operation for one key, oldest first. Periods with no requests are absent. */
  keyUsageSeries(
    projectId: string,
    keyId: string,
    from: Date,
    to: Date,
    granularity: "hour" | "day",
  ): Promise<Array<{ period: Date; operation: TOperation; count: number }>>;
  /** Who used a key: per principal, total requests, the operations used, and the hour of last use. */
  keyDependents(
    projectId: string,
    keyId: string,
  ): Promise<Array<{ principalId: string; requests: number; operations: TOperation[]; lastUsedHour: Date }>>;
  /** Requests of the given keys in the month ("YYYY-MM"), for list pages. Keys with none are absent. */
  keyRequestsInMonth(
    projectId: string,
    keyIds: readonly string[],
    month: string,
  ): Promise<Map<string, number>>;
  /** The account's month: requests per key and project, per principal, and per UTC day. */
  monthUsage(
    domainId: string,
    month: string,
  ): Promise<{
    /** `alias` and `isDefault` from the key row (null and false for project-level requests, keyId ""). */
    byKey: Array<{
      projectId: string;
      keyId: string;
      alias: string | null;
      isDefault: boolean;
      requests: number;
    }>;
    byPrincipal: Array<{ principalId: string; requests: number }>;
    daily: Array<{ day: string; requests: number }>;
  }>;
  /**
   * Every custom key version of the account that existed at some point in [from, to), destroyed
   * keys included, with what hosting needs: when the version was created and when billing stopped
   * (the time deletion was scheduled, for keys pending deletion or destroyed; null while billed).
   */
  hostedVersions(
    domainId: string,
    from: Date,
    to: Date,
  ): Promise<
    Array<{
      projectId: string;
      keyId: string;
      alias: string;
      version: number;
      createdAt: Date;
      billedUntil: Date | null;
    }>
  >;
}

/**
 * Console sessions, kept in the database so that every BFF instance sees the same ones. A session
 * says who signed in, not what they may do: the role is read per project on every request.
 */
export interface SessionRecord {
  /** SHA-256 of the session token (the cookie holds the token; the database never does). */
  idHash: string;
  principalId: string;
  domainId: string;
  username: string;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionStore {
  insertSession(session: SessionRecord): Promise<void>;
  /** The session unless expired at `now`. */
  getSession(idHash: string, now: Date): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  deleteExpiredSessions(now: Date): Promise<number>;
}

/** Audit events after a cursor, oldest first: what the console's live feed polls. */
export interface AuditFeedStore {
  /** With `after` null, returns no items and the cursor of the newest event (start following from now). */
  auditAfter(
    projectId: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: import("@kms/domain").TAuditEvent[]; cursor: string | null }>;
}
