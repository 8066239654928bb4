import { hashKey, useMutation, useQueryClient } from "@tanstack/react-query";
import { apiSendEmpty, setCsrfToken } from "../../../lib/api-client";
import { sessionKeys } from "./session-keys";

export async function signOut(): Promise<void> {
  await apiSendEmpty("DELETE", "/api/session");
  setCsrfToken(null);
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    // Whatever the server said, forget everything this user could see.
    // (Not qc.clear(): it would orphan the session query that the mounted layout observes.)
    onSettled: () => {
      qc.setQueryData(sessionKeys.current(), null);
      const keep = hashKey(sessionKeys.current());
      qc.removeQueries({ predicate: (q) => q.queryHash !== keep });
    },
  });
}
