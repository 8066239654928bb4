import {
  type QueryClient,
  type UseMutationOptions,
  useMutation,
  useQueryClient,
} from "@tanstack/react-query";
import { toast } from "../../../components/ui/toast";
import { isApiError } from "../../../lib/api-client";
import i18n from "../../../lib/i18n";
import { keyKeys } from "./keys";

/** What a caller may add to a key mutation: its own callbacks run after ours. */
export type KeyMutationConfig<TData, TVars> = Pick<
  UseMutationOptions<TData, Error, TVars>,
  "onSuccess" | "onError"
>;

export function errorMessage(e: unknown): string {
  return isApiError(e) ? e.message : i18n.t("common.unexpectedError");
}

/**
 * The console's one error policy for mutations: a toast with the server's message, unless the
 * caller passes its own onError (forms show errors inline). Invalidation is the hook's job, then
 * the caller's onSuccess runs.
 */
export function useKeyMutation<TData, TVars>(
  projectId: string,
  mutationFn: (vars: TVars) => Promise<TData>,
  invalidate: (qc: QueryClient, data: TData, vars: TVars) => Promise<unknown> | undefined,
  config: KeyMutationConfig<TData, TVars> = {},
) {
  const qc = useQueryClient();
  return useMutation<TData, Error, TVars>({
    mutationFn,
    onSuccess: async (data, vars, onMutateResult, ctx) => {
      await invalidate(qc, data, vars);
      await config.onSuccess?.(data, vars, onMutateResult, ctx);
    },
    onError: (error, vars, onMutateResult, ctx) => {
      if (config.onError) return config.onError(error, vars, onMutateResult, ctx);
      toast.error(errorMessage(error));
    },
    meta: { projectId },
  });
}

/** After a change to one key: its detail (and usage), and every list it may appear in. */
export const invalidateKey = (qc: QueryClient, projectId: string, id: string) =>
  Promise.all([
    qc.invalidateQueries({ queryKey: keyKeys.detail(projectId, id) }),
    qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) }),
  ]);
