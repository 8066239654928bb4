import type { TKeyDetail, TKeyListItem } from "@kms/domain";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { disableKey } from "./disable-key";
import { enableKey } from "./enable-key";
import { errorMessage } from "./key-mutation";
import { keyKeys } from "./keys";

export type BatchAction = "enable" | "disable";

export interface BatchResult {
  succeeded: number;
  skipped: number;
  /** One line per failed key: its alias and the server's message. */
  failures: string[];
}

const SEND: Record<BatchAction, (projectId: string, id: string) => Promise<TKeyDetail>> = {
  enable: enableKey,
  disable: disableKey,
};
/** Enable only applies to a disabled key, disable only to an enabled one; the rest are skipped. */
const APPLIES: Record<BatchAction, TKeyListItem["state"]> = { enable: "disabled", disable: "enabled" };
/** The BFF has no batch route: a few per-key requests at a time, so a large selection does not flood it. */
const CONCURRENCY = 4;

export async function runBatch(
  projectId: string,
  action: BatchAction,
  keys: readonly TKeyListItem[],
): Promise<BatchResult> {
  const todo = keys.filter((k) => k.state === APPLIES[action]);
  const result: BatchResult = { succeeded: 0, skipped: keys.length - todo.length, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const key = todo[next++]!;
      try {
        await SEND[action](projectId, key.id);
        result.succeeded += 1;
      } catch (e) {
        result.failures.push(`${key.alias}: ${errorMessage(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
  return result;
}

/** Runs a batch, then refreshes every list and detail of the project once (not once per key). */
export function useBatchKeyAction(projectId: string) {
  const qc = useQueryClient();
  return useMutation<BatchResult, Error, { action: BatchAction; keys: readonly TKeyListItem[] }>({
    mutationFn: ({ action, keys }) => runBatch(projectId, action, keys),
    onSettled: () => qc.invalidateQueries({ queryKey: keyKeys.all(projectId) }),
  });
}
