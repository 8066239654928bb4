import { type TSession, ZSession } from "@kms/domain";
import { queryOptions, useQuery } from "@tanstack/react-query";
import { ApiError, apiGet, setCsrfToken } from "../../../lib/api-client";
import { sessionKeys } from "./session-keys";

/** The signed-in session, or null when signed out (401). */
export async function getSession(): Promise<TSession | null> {
  try {
    const session = await apiGet("/api/session", ZSession);
    setCsrfToken(session.csrfToken);
    return session;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw e;
  }
}

export const sessionQueryOptions = () =>
  queryOptions({ queryKey: sessionKeys.current(), queryFn: getSession, staleTime: 5 * 60_000 });

export const useSession = () => useQuery(sessionQueryOptions());
