import type { Clock, KmsEngine, KmsReports, SessionStore } from "@kms/engine";

/** One line per request or failure: ids, codes and timings only, never payloads. */
export type Log = (entry: Record<string, string | number | boolean | null>) => void;

export interface AppDeps {
  engine: KmsEngine;
  reports: KmsReports;
  sessions: SessionStore;
  clock: Clock;
  /** The account (domain) whose users sign in to this console. */
  domainId: string;
  log: Log;
  /** Set the session cookie with Secure (and the __Host- prefix): for a console served over https. */
  secureCookies: boolean;
  /** Whether a project holds simulated demo data (shown as a banner in the console). */
  isDemoProject: (projectId: string) => boolean;
}

/** The signed-in user as a request sees it (from the session record in the database). */
export interface SessionContext {
  idHash: string;
  principalId: string;
  username: string;
  domainId: string;
  csrfToken: string;
}
