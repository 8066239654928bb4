import { type TSession, ZLoginRequest, ZSession } from "@kms/domain";
import { hashKey, useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { apiSend, setCsrfToken } from "../../../lib/api-client";
import { sessionKeys } from "./session-keys";

export type SignInInput = z.input<typeof ZLoginRequest>;

export async function signIn(input: SignInInput): Promise<TSession> {
  const session = await apiSend("POST", "/api/session", ZSession, { body: ZLoginRequest.parse(input) });
  setCsrfToken(session.csrfToken);
  return session;
}

/** Errors are shown inline by the sign-in form (no toast): the form is the only place that cares. */
export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: (session) => {
      // Not qc.clear(): that also drops the session query the mounted layout observes, and the
      // observer never hears of the new one (the sign-in form stayed up in the browser).
      qc.setQueryData(sessionKeys.current(), session);
      const keep = hashKey(sessionKeys.current());
      qc.removeQueries({ predicate: (q) => q.queryHash !== keep });
    },
  });
}
