import type { TAuditEvent, TCaller, TOperation, TServiceCode } from "@kms/domain";
import type { KeyRef } from "./api.js";

export interface KeyUsageReport {
  keyId: string;
  granularity: "hour" | "day";
  from: Date;
  to: Date;
  series: Array<{ operation: TOperation; points: Array<{ time: Date; count: number }> }>;
  lastUsedAt: Date | null;
  requestsThisMonth: number;
  /** This key's part of the account's used free quota, as a fraction of the whole quota (0..1). */
  freeQuotaShare: number;
  /** This key's request charges plus hosting charges this month. */
  costThisMonth: number;
}

export interface KeyDependent {
  principalId: string;
  principalName: string;
  kind: "user" | "service";
  service: TServiceCode | null;
  requests: number;
  operations: TOperation[];
  lastUsedAt: Date;
}

export interface MonthSummary {
  month: string;
  currency: string;
  totalRequests: number;
  freeQuota: number;
  freeUsed: number;
  billableRequests: number;
  requestCharges: number;
  hostingCharges: number;
  total: number;
  /** The month's total if the rest of it goes like the part so far (hosting runs on, requests at the same rate). */
  forecastTotal: number;
  byKey: Array<{
    projectId: string;
    keyId: string;
    alias: string | null;
    isDefault: boolean;
    requests: number;
    requestCharges: number;
    hostingCharges: number;
  }>;
  byService: Array<{
    principalId: string;
    principalName: string;
    service: TServiceCode | null;
    requests: number;
  }>;
  daily: Array<{ day: string; requests: number }>;
}

export interface BillLine {
  /** "hosting" per custom key version, "requests" once for the account. */
  kind: "hosting" | "requests";
  description: string;
  projectId: string | null;
  keyId: string | null;
  version: number | null;
  /** Hours billed (hosting) or billable requests (requests). */
  quantity: number;
  unit: "hour" | "request";
  unitPrice: number;
  amount: number;
}

/**
 * Reports for the console and auditors: read-only, open to admin and viewer users, never to
 * services. Computed from the metered hourly counters and their rollups, never from raw events.
 */
export interface KmsReports {
  keyUsage(
    caller: TCaller,
    ref: KeyRef,
    range: { from: Date; to: Date; granularity: "hour" | "day" },
  ): Promise<KeyUsageReport>;
  keyDependents(caller: TCaller, ref: KeyRef): Promise<KeyDependent[]>;
  /** Requests this month of each given key of the caller's project (list pages). */
  requestsThisMonth(caller: TCaller, keyIds: readonly string[]): Promise<Map<string, number>>;
  monthSummary(caller: TCaller, month: string): Promise<MonthSummary>;
  bill(
    caller: TCaller,
    month: string,
  ): Promise<{ month: string; currency: string; lines: BillLine[]; total: number }>;
  /** Audit events of the caller's project after a cursor (see AuditFeedStore). */
  auditFeed(caller: TCaller, after: string | null): Promise<{ items: TAuditEvent[]; cursor: string | null }>;
}
